import { after, before } from 'node:test';
import { createClient, type AgentDeclaration, type RatchetClient } from '@ratchet/core';
import { createWorker } from '@ratchet/core/worker';
import { inngestDriver, startInngestServer, type InngestDriverOptions, type InngestServer } from '../src/index.ts';
import { ServerApi } from '../src/server-api.ts';
import { blobAgent, echoAgent, pairAgent } from './fixtures/agents.ts';
import { implementations } from './fixtures/implementations.ts';

export interface Harness {
  server: InngestServer;
  driverOptions: InngestDriverOptions;
  client: RatchetClient;
  /** The server's REST reads, as the driver makes them. */
  api: ServerApi;
  applied: string[];
  /** Starts a worker in this process; resolves with the URL the server calls. */
  startWorker(options?: { agents?: AgentDeclaration[]; driver?: Partial<InngestDriverOptions> }): Promise<{ url: string; stop(): Promise<void> }>;
  close(): Promise<void>;
}

/**
 * A fresh `inngest start` (on its own Redis) and a client. Recovery is tuned as in the conformance
 * suite: retries after 1 s instead of the server's exponential backoff, queue ticks of 10 ms.
 */
export async function createHarness(driver: Partial<InngestDriverOptions> = {}): Promise<Harness> {
  const server = await startInngestServer({ retryIntervalSeconds: 1, tickMs: 10 });
  const driverOptions: InngestDriverOptions = {
    baseUrl: server.baseUrl,
    signingKey: server.signingKey,
    eventKey: server.eventKey,
    servePort: 0,
    pollIntervalMs: 50,
    ...driver,
  };
  const client = await createClient(inngestDriver(driverOptions));
  const applied: string[] = [];
  const workers: { stop(): Promise<void> }[] = [];
  return {
    server,
    driverOptions,
    client,
    api: new ServerApi({ baseUrl: server.baseUrl, signingKey: server.signingKey }),
    applied,
    async startWorker(options = {}) {
      const worker = await createWorker(inngestDriver({ ...driverOptions, ...options.driver }), {
        agents: options.agents ?? [echoAgent, blobAgent, pairAgent],
        implementations: implementations(applied),
      });
      await worker.start();
      workers.push(worker);
      return { url: (worker as unknown as { url: string }).url, stop: () => worker.stop() };
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.stop()));
      await client.close();
      await server.stop();
    },
  };
}

/** A harness for the tests of one `describe`, with a worker of `agents` in this process: made before them, closed after. */
export function suiteHarness(agents: AgentDeclaration[]): () => Harness {
  let harness: Harness | undefined;
  before(async () => {
    harness = await createHarness();
    await harness.startWorker({ agents });
  });
  after(() => harness?.close());
  return () => harness!;
}
