import { fileURLToPath } from 'node:url';
import { createClient, type AgentDeclaration, type JournalEntry, type RatchetClient } from '@ratchet/core';
import { createWorker } from '@ratchet/core/worker';
import type { WorkerRegistry } from '@ratchet/core/worker';
import { startWorldService, type WorldService } from '@ratchet/testing';
import { Client, Connection } from '@temporalio/client';
import { readRunHistory } from '../src/journal.ts';
import { startTemporalServer, temporalDriver, type TemporalDriverOptions, type TemporalServer } from '../src/index.ts';
import { approvedOrder, reporter } from './fixtures/agents.ts';
import { implementations } from './fixtures/implementations.ts';

/**
 * Driver options for tests, tuned beside the production defaults they replace: a killed worker's
 * step is retried after 1 s without heartbeats (default 30 s), its cached runs move on after 1 s
 * (SDK default 10 s), and `result()` polls every 20 ms (default 200 ms).
 */
export function testDriverOptions(server: TemporalServer, overrides: TemporalDriverOptions = {}): TemporalDriverOptions {
  return {
    address: server.address,
    taskQueue: 'ratchet-test',
    agentModules: ['./fixtures/agents.ts', './fixtures/long-agents.ts', './fixtures/migration-agents.ts'].map((path) => fileURLToPath(new URL(path, import.meta.url))),
    activityHeartbeatTimeoutMs: 1_000,
    stickyQueueScheduleToStartTimeoutMs: 1_000,
    pollIntervalMs: 20,
    // Failed attempts are what these tests are about; the SDK would log each at WARN.
    logLevel: 'ERROR',
    ...overrides,
  };
}

export interface WorkflowRun {
  runId: string;
  entries: JournalEntry[];
  events: number;
  bytes: number;
}

export interface Harness {
  server: TemporalServer;
  world: WorldService;
  client: RatchetClient;
  driverOptions: TemporalDriverOptions;
  /** Starts a worker in this process; stop it to replace it with other code. */
  startWorker(agents?: AgentDeclaration[], registry?: Omit<WorkerRegistry, 'agents' | 'implementations'>): Promise<{ stop(): Promise<void> }>;
  /** The workflow runs of a run's chain (continue-as-new), oldest first: the entries each produced, its history's length and size. */
  workflowRuns(runId: string): Promise<WorkflowRun[]>;
  close(): Promise<void>;
}

/** A fresh Temporal dev server (started by the driver's own script), a world service and a client. */
export async function createHarness(overrides: TemporalDriverOptions = {}): Promise<Harness> {
  const [server, world] = await Promise.all([startTemporalServer(), startWorldService()]);
  const driverOptions = testDriverOptions(server, overrides);
  const driver = temporalDriver(driverOptions);
  const client = await createClient(driver);
  const temporal = new Client({ connection: await Connection.connect({ address: server.address }) });
  const workers = new Set<{ stop(): Promise<void> }>();
  return {
    server,
    world,
    client,
    driverOptions,
    async startWorker(agents = [approvedOrder, reporter], registry = {}) {
      const worker = await createWorker(driver, { agents, implementations: implementations(world.url), ...registry });
      await worker.start();
      workers.add(worker);
      return {
        stop: async () => {
          workers.delete(worker);
          await worker.stop();
        },
      };
    },
    async workflowRuns(runId) {
      const read = async (temporalRunId: string) => {
        const handle = temporal.workflow.getHandle(runId, temporalRunId);
        const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
        const run = readRunHistory(history.events ?? []);
        const facts: WorkflowRun = { runId: temporalRunId, entries: run.entries, events: description.historyLength, bytes: description.historySize ?? 0 };
        return { facts, previousRuns: run.previousRuns };
      };
      const latest = await read((await temporal.workflow.getHandle(runId).describe()).runId);
      const earlier = await Promise.all(latest.previousRuns.map(async (id) => (await read(id)).facts));
      return [...earlier, latest.facts];
    },
    async close() {
      await Promise.all([...workers].map((worker) => worker.stop()));
      await client.close();
      await temporal.connection.close();
      await world.close();
      await server.stop();
    },
  };
}

export async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
