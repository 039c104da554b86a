const redacted = '[redacted]';

/** Shapes of secrets that can reach an error message even when the key itself is not known here. */
const secretShapes: readonly RegExp[] = [
  // OpenAI and Anthropic keys (`sk-...`, `sk-proj-...`, `sk-ant-...`), whole or as the APIs echo them masked.
  /\bsk-[\w*-]{4,}/g,
  // Any other masked echo of a key, such as `tes****-key`.
  /[^\s'"]*\*{3,}[^\s'".,;]*/g,
  /\bBearer\s+[^\s'"]+/gi,
];

/**
 * Removes API keys from text that is about to leave the provider (error messages): every given
 * secret verbatim, then anything shaped like a key.
 *
 * @example
 * redactSecrets('Incorrect API key provided: sk-abc***wxyz.', []); // 'Incorrect API key provided: [redacted].'
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret !== '') result = result.split(secret).join(redacted);
  }
  for (const shape of secretShapes) result = result.replace(shape, redacted);
  return result;
}
