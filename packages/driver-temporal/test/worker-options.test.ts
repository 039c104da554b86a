// The driver's worker options as Temporal itself shows them, on a real dev server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@ratchet/core';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto'; // CommonJS: its namespace is the default export
import { temporalDriver } from '../src/index.ts';
import { approvedOrder } from './fixtures/agents.ts';
import { createHarness, waitFor } from './harness.ts';

const sticky = proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY;

/**
 * Runs an order through its approval (several workflow tasks) and counts the tasks Temporal
 * scheduled on a worker's sticky queue: a worker that caches the run asks for its next task there.
 */
async function stickyWorkflowTasks(maxCachedWorkflows?: number): Promise<number> {
  const h = await createHarness(maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows });
  try {
    await h.startWorker();
    await h.client.start(approvedOrder, { item: 'lamp' }, { runId: 'cached' });
    await waitFor(async () => (await h.client.describe('cached')).status === 'waiting');
    await h.client.approve('cached', 'ship');
    await h.client.result('cached', { timeoutMs: 60_000 });
    const connection = await Connection.connect({ address: h.server.address });
    try {
      const history = await new Client({ connection }).workflow.getHandle('cached').fetchHistory();
      const scheduled = (history.events ?? []).flatMap((event) => (event.workflowTaskScheduledEventAttributes ? [event.workflowTaskScheduledEventAttributes] : []));
      assert.ok(scheduled.length >= 3, `the run took ${scheduled.length} workflow tasks`);
      return scheduled.filter((task) => task.taskQueue?.kind === sticky).length;
    } finally {
      await connection.close();
    }
  } finally {
    await h.close();
  }
}

describe('temporal worker options', () => {
  it('maxCachedWorkflows: 0 sends every workflow task to the normal queue; the SDK default caches runs', async () => {
    assert.ok((await stickyWorkflowTasks()) > 0, 'the default cache keeps the run on a sticky queue');
    assert.equal(await stickyWorkflowTasks(0), 0);
  });

  it('refuses a cache of one run, which the SDK would silently make two', () => {
    const agentModules = [new URL('./fixtures/agents.ts', import.meta.url).pathname];
    assert.throws(() => temporalDriver({ agentModules, maxCachedWorkflows: 1 }), (error: unknown) => error instanceof ConfigError && /maxCachedWorkflows: maxCachedWorkflows is 0 \(no cache\) or at least 2/.test(error.message));
    assert.throws(() => temporalDriver({ agentModules, maxCachedWorkflows: -1 }), ConfigError);
  });
});
