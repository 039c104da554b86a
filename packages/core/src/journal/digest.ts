import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * A stable digest of a JSON value: keys sorted, so the same input hashes the same on every engine.
 * Pure JS (no node:crypto) because it runs inside Temporal's workflow sandbox too.
 */
export function digest(value: unknown): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(value)))).slice(0, 32);
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item && typeof item === 'object' && !Array.isArray(item)) {
      // fromEntries defines each key, so a `__proto__` key (JSON.parse makes it an own key) is kept;
      // assigning it would set the prototype instead and drop it from the digest.
      return Object.fromEntries(Object.keys(item).sort().map((key) => [key, (item as Record<string, unknown>)[key]]));
    }
    return item;
  }) ?? 'null';
}
