import type { DriverWorker, EffectRunner } from '@ratchet/core';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel, type NativeConnectionOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities } from './activity.ts';
import { connectTo } from './connect.ts';
import { loadWorkflowBundle } from './bundle.ts';
import type { WorkflowSettings } from './protocol.ts';

export interface TemporalWorkerOptions {
  connection: NativeConnectionOptions;
  namespace: string;
  taskQueue: string;
  /** Temporal's data converter with the driver's payload codec (see payload-codec.ts). */
  dataConverter?: DataConverter;
  agentModules: readonly string[];
  bundleCacheDir: string | false;
  settings: WorkflowSettings;
  stickyQueueScheduleToStartTimeoutMs: number;
  /** The SDK's sticky workflow cache size; the SDK's default (sized from the heap limit) when absent. */
  maxCachedWorkflows?: number;
  /** Activities (effects) this worker runs at once. */
  concurrency: number;
  logLevel: LogLevel;
}

/**
 * A Temporal worker for the executor's agents: the generated workflow bundle, and the
 * `ratchetEffect` and `ratchetJournalPage` activities. Nondeterminism errors fail the workflow
 * instead of retrying its task forever, so a run whose code changed incompatibly stops (and reads
 * back as dead-lettered).
 */
export async function createTemporalWorker(executor: EffectRunner, options: TemporalWorkerOptions): Promise<DriverWorker> {
  const bundle = await loadWorkflowBundle({
    agents: [...executor.agents.values()],
    agentModules: options.agentModules,
    settings: options.settings,
    cacheDir: options.bundleCacheDir,
  });
  installRuntime(options.logLevel);
  const connection = await connectTo(options.connection.address ?? 'the configured address', () => NativeConnection.connect(options.connection));
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      workflowBundle: bundle,
      ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
      activities: createActivities(executor, { offloads: options.settings.offloadsPayloads }),
      workflowFailureErrorTypes: { '*': ['NondeterminismError'] },
      stickyQueueScheduleToStartTimeout: options.stickyQueueScheduleToStartTimeoutMs,
      // Undefined leaves the SDK its default.
      maxCachedWorkflows: options.maxCachedWorkflows,
      maxConcurrentActivityTaskExecutions: options.concurrency,
    });
  } catch (error) {
    await connection.close();
    throw error;
  }

  let running: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  return {
    async start() {
      running ??= worker.run();
      // `run()` resolves only at shutdown; report a failure to start instead of hanging.
      await Promise.race([running, untilRunning(worker)]);
    },
    stop() {
      stopped ??= (async () => {
        if (running) {
          worker.shutdown();
          await running;
        }
        await connection.close();
      })();
      return stopped;
    },
  };
}

async function untilRunning(worker: Worker): Promise<void> {
  while (worker.getState() !== 'RUNNING') await new Promise((resolve) => setTimeout(resolve, 10));
}

/** The SDK logs every worker start at INFO and every failed attempt at WARN; an app's own runtime wins. */
function installRuntime(level: LogLevel): void {
  if (Runtime._instance) return;
  Runtime.install({ logger: new DefaultLogger(level) });
}
