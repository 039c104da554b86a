import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { killWhen, spawnWorker, stopAll, type WorkerProcess } from '../src/process/index.ts';

const echoWorker = fileURLToPath(new URL('./fixtures/echo-worker.ts', import.meta.url));
after(stopAll);

/** A minimal event source in the shape killWhen expects: subscribe returns unsubscribe. */
function source() {
  const emitter = new EventEmitter();
  return {
    emit: (value: string) => emitter.emit('value', value),
    listeners: () => emitter.listenerCount('value'),
    subscribe: (listener: (value: string) => void) => {
      emitter.on('value', listener);
      return () => emitter.off('value', listener);
    },
  };
}

async function readyWorker(): Promise<WorkerProcess> {
  const worker = spawnWorker(echoWorker, { args: ['hang'] });
  await worker.waitForOutput(/ready/);
  return worker;
}

describe('killWhen', () => {
  test('SIGKILLs the worker when the predicate first holds and resolves with that value', async () => {
    const worker = await readyWorker();
    const events = source();
    const counts: number[] = [];

    const killed = killWhen(events.subscribe, (_, count) => (counts.push(count), count === 2), worker);
    events.emit('first');
    events.emit('second');
    events.emit('third');

    assert.equal(await killed, 'second');
    assert.equal((await worker.exited).signal, 'SIGKILL');
    assert.deepEqual(counts, [1, 2]);
    assert.equal(events.listeners(), 0);
  });

  test('kills whichever worker the function returns at that moment', async () => {
    let current = await readyWorker();
    const first = current;
    const events = source();

    const killed = killWhen(events.subscribe, (value) => value === 'now', () => current);
    events.emit('not yet');
    await first.kill();
    current = await readyWorker();
    events.emit('now');

    assert.equal(await killed, 'now');
    assert.equal((await current.exited).signal, 'SIGKILL');
  });

  test('handles a source that calls the listener during subscribe', async () => {
    const worker = await readyWorker();
    let unsubscribed = false;

    const value = await killWhen<number>(
      (listener) => {
        listener(42);
        return () => {
          unsubscribed = true;
        };
      },
      () => true,
      worker,
    );

    assert.equal(value, 42);
    assert.equal(unsubscribed, true);
    assert.equal((await worker.exited).signal, 'SIGKILL');
  });

  test('rejects and unsubscribes when the predicate throws, leaving the worker alone', async () => {
    const worker = await readyWorker();
    const events = source();

    const killed = killWhen(events.subscribe, () => {
      throw new Error('bad predicate');
    }, worker);
    events.emit('x');

    await assert.rejects(killed, /bad predicate/);
    assert.equal(events.listeners(), 0);
    assert.equal(await Promise.race([worker.exited.then(() => 'ended'), Promise.resolve('running')]), 'running');
    await worker.kill();
  });
});
