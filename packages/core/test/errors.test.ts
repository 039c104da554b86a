import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  deserializeError,
  NonDeterminismError,
  ProviderError,
  RatchetError,
  serializeError,
  TerminalError,
  ToolInputError,
} from '../src/index.ts';

describe('errors', () => {
  it('round-trip through the journal with their class, kind and retry facts', () => {
    const rateLimited = new ProviderError('rate-limited', 'slow down', { provider: 'openai', model: 'gpt-4o', status: 429, retryAfterMs: 2000 });
    const back = deserializeError(JSON.parse(JSON.stringify(serializeError(rateLimited))));
    assert.ok(back instanceof ProviderError);
    assert.equal(back.errorClass, 'rate-limited');
    assert.equal(back.retryable, true);
    assert.equal(back.retryAfterMs, 2000);

    const nd = deserializeError(serializeError(new NonDeterminismError(3, 'tool:a#1', 'tool:b#1')));
    assert.ok(nd instanceof NonDeterminismError);
    assert.equal(nd.expected, 'tool:a#1');

    const invalid = deserializeError(serializeError(new ToolInputError('charge', [{ path: 'cents', message: 'Too small' }])));
    assert.ok(invalid instanceof ToolInputError);
    assert.equal(invalid.message, 'Arguments for tool "charge" are invalid: cents: Too small');
  });

  it('classify retryability by kind: terminal and bad requests are not retried, plain errors are', () => {
    assert.equal(new TerminalError('no').retryable, false);
    assert.equal(new ProviderError('auth', 'bad key', { provider: 'openai', model: 'm' }).retryable, false);
    assert.equal(new ProviderError('overloaded', '529', { provider: 'anthropic', model: 'm' }).retryable, true);
    assert.equal(serializeError(new Error('socket hang up')).retryable, true);
  });

  it('recognise a Ratchet error from another copy of the class by its marker', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('ratchet.error')]: true });
    assert.ok(RatchetError.isInstance(foreign));
    assert.ok(!RatchetError.isInstance(new Error('x')));
  });
});
