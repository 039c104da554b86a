import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError, TerminalError, admitAttempt, decideAttempt, effectContext, idempotencyKey, InFlightEffects, resolveRetryPolicy } from '../src/index.ts';

const retry = resolveRetryPolicy({ maxAttempts: 3, initialIntervalMs: 100, backoffCoefficient: 2, maxIntervalMs: 1_000 });

describe('the attempt lifecycle every driver maps onto its engine', () => {
  it('fails a terminal error at once, journaled as the step outcome', () => {
    const decision = decideAttempt(new TerminalError('no such customer'), 1, retry);
    assert.equal(decision.action, 'fail');
    assert.equal(decision.error.kind, 'terminal');
  });

  it('retries a retryable error with the policy backoff, never before its retry-after', () => {
    assert.deepEqual(pick(decideAttempt(new Error('flaky'), 1, retry)), { action: 'retry', delayMs: 100, kind: 'application' });
    assert.deepEqual(pick(decideAttempt(new Error('flaky'), 2, retry)), { action: 'retry', delayMs: 200, kind: 'application' });
    const limited = new ProviderError('rate-limited', '429', { provider: 'openai', model: 'gpt-4o-mini', status: 429, retryAfterMs: 5_000 });
    assert.deepEqual(pick(decideAttempt(limited, 1, retry)), { action: 'retry', delayMs: 5_000, kind: 'provider' });
  });

  it('dead-letters when the last attempt fails, with its error', () => {
    const decision = decideAttempt(new Error('still down'), 3, retry);
    assert.equal(decision.action, 'dead-letter');
    assert.equal(decision.error.message, 'still down');
  });

  it('admits attempts up to the limit and dead-letters past it: the earlier ones crashed their workers', () => {
    assert.equal(admitAttempt('tool:send#1', 3, retry), undefined);
    const crashed = admitAttempt('tool:send#1', 4, retry);
    assert.equal(crashed?.action, 'dead-letter');
    assert.equal(crashed?.error.kind, 'worker-crash');
    assert.match(crashed!.error.message, /3 attempt\(s\) of "tool:send#1" ended with their worker dying/);
    // The last recorded error wins over the crash when there was one.
    const recorded = { name: 'Error', kind: 'application', message: 'timeout', retryable: true };
    assert.deepEqual(admitAttempt('tool:send#1', 4, retry, recorded), { action: 'dead-letter', error: recorded });
  });

  it('gives every implementation the same idempotency key on every attempt', () => {
    const signal = new AbortController().signal;
    assert.equal(idempotencyKey('run-1', 'tool:send#1'), 'run-1:tool:send#1');
    assert.deepEqual(effectContext({ runId: 'run-1', stepId: 'tool:send#1', attempt: 2, signal }), { runId: 'run-1', stepId: 'tool:send#1', idempotencyKey: 'run-1:tool:send#1', attempt: 2, signal });
  });

  it('settles the effects still in flight, whatever their outcome', async () => {
    const inFlight = new InFlightEffects();
    const order: string[] = [];
    inFlight.track(new Promise((resolve) => setTimeout(() => resolve(order.push('slow')), 30)));
    inFlight.track(Promise.reject(new Error('failed')).finally(() => order.push('failed')));
    await inFlight.settle();
    assert.deepEqual(order.sort(), ['failed', 'slow']);
  });
});

function pick(decision: ReturnType<typeof decideAttempt>) {
  return { action: decision.action, ...(decision.action === 'retry' ? { delayMs: decision.delayMs } : {}), kind: decision.error.kind };
}
