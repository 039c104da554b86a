// What the driver's options become on the SDK's Worker, without a server: the SDK's own
// connection and Worker.create are stood in for, and the stand-in stops the worker there.
import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { ConfigError, type EffectRunner } from '@ratchet/core';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { temporalDriver } from '../src/index.ts';
import { approvedOrder } from './fixtures/agents.ts';

const agentModules = [new URL('./fixtures/agents.ts', import.meta.url).pathname];
const executor: EffectRunner = {
  agents: new Map([[approvedOrder.name, approvedOrder]]),
  execute: () => Promise.reject(new Error('no effect runs in these tests')),
};

/** The options the driver's worker hands `Worker.create`. */
async function workerOptionsFor(options: Parameters<typeof temporalDriver>[0]): Promise<WorkerOptions> {
  const closed = mock.fn(async () => {});
  mock.method(NativeConnection, 'connect', async () => ({ close: closed }));
  let seen: WorkerOptions | undefined;
  mock.method(Worker, 'create', async (workerOptions: WorkerOptions) => {
    seen = workerOptions;
    throw new Error('stand-in: no worker');
  });
  await assert.rejects(temporalDriver({ agentModules, logLevel: 'ERROR', ...options }).createWorker(executor), /stand-in: no worker/);
  assert.equal(closed.mock.callCount(), 1, 'the connection is closed when the worker cannot be created');
  return seen!;
}

describe('temporal worker options', () => {
  afterEach(() => mock.restoreAll());

  it('hands maxCachedWorkflows to the SDK, and leaves the SDK its default when unset', async () => {
    assert.equal((await workerOptionsFor({ maxCachedWorkflows: 50 })).maxCachedWorkflows, 50);
    assert.equal((await workerOptionsFor({ maxCachedWorkflows: 0 })).maxCachedWorkflows, 0);
    assert.equal((await workerOptionsFor({})).maxCachedWorkflows, undefined);
  });

  it('refuses a cache of one run, which the SDK would silently make two', () => {
    assert.throws(() => temporalDriver({ agentModules, maxCachedWorkflows: 1 }), (error: unknown) => error instanceof ConfigError && /maxCachedWorkflows: maxCachedWorkflows is 0 \(no cache\) or at least 2/.test(error.message));
    assert.throws(() => temporalDriver({ agentModules, maxCachedWorkflows: -1 }), ConfigError);
  });
});
