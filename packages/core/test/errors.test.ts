import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  crashedAttemptsError,
  deserializeError,
  EngineFailureError,
  EngineStartError,
  NonDeterminismError,
  ratchetErrorKinds,
  ProviderError,
  RatchetError,
  serializeError,
  TerminalError,
  ToolInputError,
  WorkerCrashError,
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

  it('every kind is one class, registered in core: each reads back as its own class', () => {
    for (const kind of ratchetErrorKinds.filter((kind) => kind !== 'application')) {
      const back = deserializeError({ name: 'Anything', kind, message: 'm', retryable: false, data: {} });
      assert.equal(back.kind, kind);
      assert.notEqual(back.constructor, RatchetError, `${kind} has a class of its own`);
    }
  });

  it('a kind from another release reads back as an application error and is written back unchanged', () => {
    const foreign = { name: 'QuotaError', kind: 'quota', message: 'over quota', retryable: true, data: { quota: 3 } };
    const back = deserializeError(foreign);
    assert.equal(back.kind, 'application');
    assert.equal(back.name, 'QuotaError');
    assert.deepEqual(serializeError(back), foreign);
  });

  it('a crashed step and an engine that ended a run by itself are typed errors, journaled as before', () => {
    // The bytes drivers journaled before WorkerCrashError existed.
    assert.deepEqual(crashedAttemptsError('step:charge#1', 3), {
      name: 'WorkerCrashError',
      kind: 'worker-crash',
      message: '3 attempt(s) of "step:charge#1" ended with their worker dying before an outcome was recorded',
      retryable: true,
    });
    assert.ok(deserializeError(crashedAttemptsError('step:charge#1', 3)) instanceof WorkerCrashError);
    const cancelled = new EngineFailureError({ engine: 'Temporal', how: 'cancelled', message: 'The workflow was cancelled' });
    assert.equal(cancelled.retryable, false);
    const back = deserializeError(serializeError(cancelled));
    assert.ok(back instanceof EngineFailureError);
    assert.deepEqual([back.engine, back.how, back.retryable], ['Temporal', 'cancelled', false]);
    assert.equal(new EngineFailureError({ engine: 'Restate', how: 'paused', message: 'paused' }).retryable, true);
  });

  it('an engine server that did not come up names the engine, the address, how, and the last 30 lines of its log', () => {
    const log = `${Array.from({ length: 40 }, (_, line) => `line ${line + 1}`).join('\n')}\n\n`;
    const exited = new EngineStartError({ engine: 'Temporal dev server', address: '127.0.0.1:7233', log, exit: { code: 1, signal: null } });
    assert.equal(exited.message, `Temporal dev server at 127.0.0.1:7233 exited during startup (code 1); its log ends:\n${log.trimEnd().split('\n').slice(10).join('\n')}`);
    assert.deepEqual([exited.kind, exited.retryable, exited.logTail.split('\n').length], ['engine-start', false, 30]);
    const killed = new EngineStartError({ engine: 'Restate', address: 'http://127.0.0.1:9070', log: '', exit: { code: null, signal: 'SIGKILL' } });
    assert.equal(killed.message, 'Restate at http://127.0.0.1:9070 exited during startup (signal SIGKILL); its log is empty');
    const slow = new EngineStartError({ engine: 'Inngest', address: 'http://127.0.0.1:8288', log: 'starting', timeoutMs: 60_000, reason: 'ECONNREFUSED' });
    assert.equal(slow.message, 'Inngest at http://127.0.0.1:8288 did not become ready within 60 s (ECONNREFUSED); its log ends:\nstarting');
    const back = deserializeError(JSON.parse(JSON.stringify(serializeError(exited))));
    assert.ok(back instanceof EngineStartError);
    assert.deepEqual([back.message, back.engine, back.address, back.logTail], [exited.message, exited.engine, exited.address, exited.logTail]);
  });
});
