import { RatchetError, type ProviderError } from '@ratchet/core';

/** By marker and kind, not `instanceof`: core may be loaded twice (see `RatchetError`). */
export function isProviderError(error: unknown): error is ProviderError {
  return RatchetError.isInstance(error) && error.kind === 'provider';
}
