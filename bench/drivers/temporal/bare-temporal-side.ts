import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { BenchSide } from '../../harness/bench-side.ts';
import { waitUntil } from '../../harness/wait-until.ts';
import { releaseSignal, type Workload } from '../../workloads/workload.ts';
import { bareActivities } from './bare-activities.ts';
import { bareWorkflowTypes } from './bare-contract.ts';
import { historyBytes } from './history-bytes.ts';
import { temporalRunState } from './run-state.ts';

export interface BareTemporalOptions {
  client: Client;
  address: string;
  taskQueue: string;
  /** The bare workflows, bundled once for the whole bench (as a deployment would ship them). */
  workflowBundle: { code: string };
  openaiBaseURL: string;
  /** The same as the Ratchet side's. */
  stickyQueueScheduleToStartTimeoutMs: number;
}

/** The Temporal SDK used directly: workflows calling activities, no Ratchet in between. */
export function bareTemporalSide(options: BareTemporalOptions): BenchSide {
  const { client } = options;
  const activities = bareActivities(options.openaiBaseURL);
  const state = temporalRunState(client);
  return {
    label: 'bare',
    async startWorker() {
      // A new connection per worker, as the Ratchet driver's worker makes one.
      const connection = await NativeConnection.connect({ address: options.address });
      const worker = await Worker.create({
        connection,
        taskQueue: options.taskQueue,
        workflowBundle: options.workflowBundle,
        activities,
        stickyQueueScheduleToStartTimeout: options.stickyQueueScheduleToStartTimeoutMs,
      });
      const running = worker.run();
      await Promise.race([running, waitUntil(() => worker.getState() === 'RUNNING', 'bare worker running', 60_000)]);
      return {
        async stop() {
          worker.shutdown();
          await running;
          await connection.close();
        },
      };
    },
    async startRun(runId, workload) {
      await client.workflow.start(bareWorkflowTypes[workload.kind], { workflowId: runId, taskQueue: options.taskQueue, args: argumentsOf(workload) });
    },
    awaitCompleted: state.awaitCompleted,
    awaitWaiting: state.awaitWaiting,
    async signal(runId) {
      await client.workflow.getHandle(runId).signal(releaseSignal);
    },
    awaitDispatchable: state.awaitDispatchable,
    storedBytes: (run) => historyBytes(client, run),
    async close() {},
  };
}

function argumentsOf(workload: Workload): number[] {
  switch (workload.kind) {
    case 'steps':
      return [workload.steps];
    case 'now':
      return [workload.steps, workload.nows];
    case 'completions':
      return [workload.completions];
    case 'sleep':
      return [workload.sleeps, workload.ms];
    case 'recovery':
      return [workload.steps, workload.rounds];
  }
}
