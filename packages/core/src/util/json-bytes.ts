/**
 * The size in bytes of `value` as the JSON an engine stores (UTF-8), which is what payload limits
 * count. Workflow-safe: no Node built-ins.
 */
export function jsonByteLength(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value) ?? 'null').length;
}
