import { fileURLToPath } from 'node:url';
import { createClient, createWorker, type AgentDeclaration, type RatchetClient } from '@ratchet/core';
import { startWorldService, type WorldService } from '@ratchet/testing';
import { startTemporalServer, temporalDriver, type TemporalDriverOptions, type TemporalServer } from '../src/index.ts';
import { approvedOrder, reporter } from './fixtures/agents.ts';
import { implementations } from './fixtures/implementations.ts';

/**
 * Driver options for tests, tuned beside the production defaults they replace: a killed worker's
 * step is retried after 1 s without heartbeats (default 30 s), its cached runs move on after 1 s
 * (SDK default 10 s), and `result()` polls every 20 ms (default 200 ms).
 */
export function testDriverOptions(server: TemporalServer): TemporalDriverOptions {
  return {
    address: server.address,
    taskQueue: 'ratchet-test',
    agentModules: [fileURLToPath(new URL('./fixtures/agents.ts', import.meta.url))],
    activityHeartbeatTimeoutMs: 1_000,
    stickyQueueScheduleToStartTimeoutMs: 1_000,
    pollIntervalMs: 20,
    // Failed attempts are what these tests are about; the SDK would log each at WARN.
    logLevel: 'ERROR',
  };
}

export interface Harness {
  server: TemporalServer;
  world: WorldService;
  client: RatchetClient;
  /** Starts a worker in this process; stop it to replace it with other code. */
  startWorker(agents?: AgentDeclaration[]): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

/** A fresh Temporal dev server (started by the driver's own script), a world service and a client. */
export async function createHarness(): Promise<Harness> {
  const [server, world] = await Promise.all([startTemporalServer(), startWorldService()]);
  const driver = temporalDriver(testDriverOptions(server));
  const client = await createClient(driver);
  const workers = new Set<{ stop(): Promise<void> }>();
  return {
    server,
    world,
    client,
    async startWorker(agents = [approvedOrder, reporter]) {
      const worker = await createWorker(driver, { agents, implementations: implementations(world.url) });
      await worker.start();
      workers.add(worker);
      return {
        stop: async () => {
          workers.delete(worker);
          await worker.stop();
        },
      };
    },
    async close() {
      await Promise.all([...workers].map((worker) => worker.stop()));
      await client.close();
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
