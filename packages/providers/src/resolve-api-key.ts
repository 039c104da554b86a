import { MissingApiKeyError } from '@ratchet/core';

/**
 * The key given in options, else the one in `variable`. Read once, when the provider is built, so a
 * missing key fails at worker start rather than at the first model call of some run.
 */
export function resolveApiKey(provider: string, explicit: string | undefined, variable: string): string {
  const key = (explicit ?? process.env[variable] ?? '').trim();
  if (key === '') throw new MissingApiKeyError(provider, variable);
  return key;
}
