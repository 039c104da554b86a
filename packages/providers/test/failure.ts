import assert from 'node:assert/strict';
import { ProviderError } from '@ratchet/core';

/** What the call threw, asserted to be a `ProviderError`; fails the test if the call succeeded. */
export async function failure(call: Promise<unknown>): Promise<ProviderError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}
