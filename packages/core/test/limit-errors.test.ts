import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PayloadTooLargeError, StepCountExceededError, deserializeError, serializeError, type SerializedError } from '../src/index.ts';

describe('limit errors: one class per failure, defined and registered in core only', () => {
  it('a payload too large names what, its size, the limit and the engine, and reads back as itself', () => {
    const error = new PayloadTooLargeError({ what: 'The output of step "step:blob#1"', bytes: 2_100_000, limitBytes: 2_097_152, engine: 'Temporal', stepId: 'step:blob#1' });
    assert.equal(error.retryable, false);
    assert.match(error.message, /^The output of step "step:blob#1" is 2100000 bytes, over Temporal's limit of 2097152 bytes: /);
    const back = deserializeError(serializeError(error));
    assert.ok(back instanceof PayloadTooLargeError);
    assert.deepEqual([back.what, back.bytes, back.limitBytes, back.engine], [error.what, error.bytes, error.limitBytes, 'Temporal']);
    assert.deepEqual(serializeError(back), serializeError(error));
  });

  it('entries journaled by the drivers before the error moved to core read back byte for byte', () => {
    // Temporal's old shape (`limit`), Restate's (no engine): whatever is read back is written back unchanged.
    const temporal: SerializedError = { name: 'RatchetError', kind: 'payload-too-large', message: 'The output of step "s" is 3 bytes, over Temporal\'s payload limit of 2 bytes (2 MB)', retryable: false, data: { stepId: 's', what: 'output', bytes: 3, limit: 2 } };
    const restate: SerializedError = { name: 'PayloadTooLargeError', kind: 'payload-too-large', message: 'x is 3 bytes, over the Restate driver\'s limit of 2 bytes', retryable: false, data: { what: 'x', bytes: 3, limitBytes: 2 } };
    for (const old of [temporal, restate]) {
      const back = deserializeError(old);
      assert.ok(back instanceof PayloadTooLargeError);
      assert.equal(back.limitBytes, 2, 'the limit is read from either shape');
      assert.deepEqual(serializeError(back), old);
    }
    const engineLimit: SerializedError = { name: 'EngineLimitError', kind: 'engine-limit', message: 'Step "s" exceeds Inngest\'s step count limit', retryable: false, data: { limit: 'step count', stepId: 's', max: 50, actual: 51 } };
    assert.deepEqual(serializeError(deserializeError(engineLimit)), engineLimit);
  });

  it('a run past its engine\'s step count names the step, the count and the limit', () => {
    const error = new StepCountExceededError({ stepId: 'step:echo#51', steps: 51, limit: 50, engine: 'Inngest' });
    assert.match(error.message, /Step "step:echo#51" is step 51 of its run, over Inngest's limit of 50 steps/);
    const back = deserializeError(serializeError(error));
    assert.ok(back instanceof StepCountExceededError);
    assert.equal(back.limit, 50);
  });
});
