import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { killWhen, spawnWorker, stopAll, type WorkerProcess } from '../src/process/index.ts';
import { startWorldService, type AppliedEffect } from '../src/world/index.ts';

const poster = fileURLToPath(new URL('./fixtures/effect-poster.ts', import.meta.url));
const world = await startWorldService();
after(async () => {
  await stopAll();
  await world.close();
});

function blockSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test('a worker SIGKILLed from the effect listener never hears back, yet the effect is applied once', async () => {
  const worker = spawnWorker(poster, { args: [world.url, 'run-7:step-3', 'email.sent'] });

  // Before killing, block this process a while: had the answer already been written, the poster
  // would use that time to print it. It only makes a wrong order visible; nothing is timed.
  const effect = await killWhen<AppliedEffect>(
    (l) => world.on('effect', l),
    () => (blockSync(200), true),
    worker,
  );
  const exit = await worker.exited;

  // The listener killed the poster before the answer was written, so it never printed one.
  assert.equal(exit.signal, 'SIGKILL');
  assert.doesNotMatch(worker.output(), /answered/);
  assert.deepEqual(world.effects, [effect]);
  assert.equal(effect.idempotencyKey, 'run-7:step-3');

  // The restarted worker retries with the same key: answered from the record, not applied again.
  const retry: WorkerProcess = spawnWorker(poster, { args: [world.url, 'run-7:step-3', 'email.sent'] });
  const [, receipt] = (await retry.waitForOutput(/answered (.*)/)) as [string, string];
  assert.deepEqual(JSON.parse(receipt), { id: effect.id, duplicate: true });
  assert.equal((await retry.exited).code, 0);
  assert.equal(world.effects.length, 1);
  assert.equal(world.duplicates(), 1);
});
