import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, createWorker, type AgentDeclaration, type RatchetClient } from '@ratchet/core';
import type { ModelProvider } from '@ratchet/core';
import { startWorldService, type WorldService } from '@ratchet/testing';
import { localDriver } from '../src/index.ts';
import { determinismAgent, orderAgent } from './fixtures/agents.ts';
import { orderImplementations } from './fixtures/implementations.ts';

export interface Harness {
  dbPath: string;
  world: WorldService;
  client: RatchetClient;
  driver: ReturnType<typeof localDriver>;
  startWorker(options?: { agents?: AgentDeclaration[]; providers?: ModelProvider[] }): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

/** A fresh database, a world service and a client; workers run in this process. */
export async function createHarness(): Promise<Harness> {
  const dbPath = join(mkdtempSync(join(tmpdir(), 'ratchet-local-')), 'runs.db');
  const world = await startWorldService();
  const driver = localDriver({ path: dbPath, leaseMs: 1_000, pollIntervalMs: 10 });
  const client = await createClient(driver);
  const workers: { stop(): Promise<void> }[] = [];
  return {
    dbPath,
    world,
    client,
    driver,
    async startWorker(options = {}) {
      const worker = await createWorker(driver, {
        agents: options.agents ?? [orderAgent, determinismAgent],
        implementations: orderImplementations(world.url),
        providers: options.providers ?? [],
      });
      await worker.start();
      workers.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.stop()));
      await client.close();
      await world.close();
    },
  };
}
