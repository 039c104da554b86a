import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { spawnWorker, stopAll } from '../src/process/index.ts';

const echoWorker = fileURLToPath(new URL('./fixtures/echo-worker.ts', import.meta.url));
const spawningParent = fileURLToPath(new URL('./fixtures/spawning-parent.ts', import.meta.url));
after(stopAll);

/** True while `pid` runs; a zombie nobody reaps (possible in containers) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

describe('spawnWorker', () => {
  test('waitForOutput resolves with the match, from stdout or stderr', async () => {
    const worker = spawnWorker(echoWorker, { args: ['exit', '3'], name: 'leaver' });

    const [, pid] = (await worker.waitForOutput(/ready pid=(\d+)/)) as [string, string];
    await worker.waitForOutput(/leaving on stderr/g);

    assert.equal(Number(pid), worker.pid);
    assert.equal(worker.name, 'leaver');
    assert.deepEqual(await worker.exited, { code: 3, signal: null });
    assert.match(worker.output(), /ready pid=\d+\n[\s\S]*leaving on stderr/);
  });

  test('env is merged over the parent environment', async () => {
    process.env.RATCHET_PARENT_ONLY = 'inherited';
    const inherited = spawnWorker(echoWorker, { args: ['env', 'RATCHET_PARENT_ONLY'] });
    const overridden = spawnWorker(echoWorker, { args: ['env', 'RATCHET_PARENT_ONLY'], env: { RATCHET_PARENT_ONLY: 'given' } });

    await inherited.waitForOutput(/env RATCHET_PARENT_ONLY=inherited/);
    await overridden.waitForOutput(/env RATCHET_PARENT_ONLY=given/);
    assert.equal((await inherited.exited).code, 0);
    delete process.env.RATCHET_PARENT_ONLY;
  });

  test('waitForOutput rejects with the output so far when the worker ends without a match', async () => {
    const worker = spawnWorker(echoWorker, { args: ['exit', '0'] });

    await assert.rejects(worker.waitForOutput(/never printed/), /ended \(code 0\)[\s\S]*ready pid=/);
  });

  test('waitForOutput rejects with the output so far on timeout', async () => {
    const worker = spawnWorker(echoWorker, { args: ['hang'] });
    await worker.waitForOutput(/ready/);

    await assert.rejects(worker.waitForOutput(/never printed/, 20), /did not print[\s\S]*ready pid=/);
    await worker.kill();
  });

  test('kill sends SIGKILL by default, resolves once the process is gone, and is idempotent', async () => {
    const worker = spawnWorker(echoWorker, { args: ['hang'] });
    await worker.waitForOutput(/ready/);

    const exit = await worker.kill();

    assert.deepEqual(exit, { code: null, signal: 'SIGKILL' });
    assert.equal(isAlive(worker.pid), false);
    assert.deepEqual(await worker.kill('SIGTERM'), exit);
  });

  test('kill sends the signal it is given', async () => {
    const worker = spawnWorker(echoWorker, { args: ['hang'] });
    await worker.waitForOutput(/ready/);

    assert.deepEqual(await worker.kill('SIGTERM'), { code: null, signal: 'SIGTERM' });
  });

  test('kill on a worker that already exited resolves with how it ended', async () => {
    const worker = spawnWorker(echoWorker, { args: ['exit', '7'] });
    await worker.exited;

    assert.deepEqual(await worker.kill(), { code: 7, signal: null });
  });

  test('stopAll kills every running worker', async () => {
    const workers = [spawnWorker(echoWorker), spawnWorker(echoWorker)];
    await Promise.all(workers.map((w) => w.waitForOutput(/ready/)));

    await stopAll();

    for (const worker of workers) assert.equal((await worker.exited).signal, 'SIGKILL');
  });

  test('a worker dies with the process that spawned it', async () => {
    const parent = spawnWorker(spawningParent);
    const [, pid] = (await parent.waitForOutput(/child pid=(\d+)/)) as [string, string];
    assert.equal((await parent.exited).code, 0);

    // The SIGKILL was sent before the parent ended; poll only for the kernel to finish it off.
    while (isAlive(Number(pid))) await sleep(10);
  });
});
