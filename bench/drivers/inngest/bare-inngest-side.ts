import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inngest } from 'inngest';
import { serve } from 'inngest/node';
import type { BenchSide } from '../../harness/bench-side.ts';
import { bareApp, bareEvents, bareInngestFunction } from './bare-inngest-function.ts';
import type { InngestRuns } from './inngest-runs.ts';

export interface BareInngestOptions {
  runs: InngestRuns;
  baseUrl: string;
  signingKey: string;
  eventKey: string;
  openaiBaseURL: string;
}

/** The Inngest SDK used directly: its serve handler on `node:http`, synced with the server on start. */
export function bareInngestSide(options: BareInngestOptions): BenchSide {
  const { runs } = options;
  const client = new Inngest({ id: bareApp, baseUrl: options.baseUrl, signingKey: options.signingKey, eventKey: options.eventKey, isDev: false });
  const functions = [bareInngestFunction(client, options.openaiBaseURL)];
  const releases = new Map<string, number>();
  return {
    label: 'bare',
    stateless: true,
    async startWorker() {
      let handler: ((request: IncomingMessage, response: ServerResponse) => unknown) | undefined;
      const server = createServer((request, response) => (handler ? void handler(request, response) : void response.writeHead(503).end()));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/inngest`;
      handler = serve({ client, functions, servePath: '/api/inngest', serveOrigin: new URL(url).origin });
      // A PUT to the serve handler syncs the app (its functions and this URL) with the server.
      const synced = await fetch(url, { method: 'PUT' });
      if (!synced.ok) throw new Error(`Syncing the bare Inngest app failed (${synced.status}): ${await synced.text()}`);
      return {
        stop: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      };
    },
    async startRun(runId, workload) {
      await client.send({ name: bareEvents.start(runId), data: { runId, workload } });
    },
    awaitCompleted: (runId) => runs.awaitCompleted(bareEvents.start(runId)),
    awaitWaiting: (runId) => runs.awaitWaiting(bareEvents.start(runId)),
    async signal(runId) {
      const round = releases.get(runId) ?? 0;
      releases.set(runId, round + 1);
      await client.send({ name: bareEvents.go(runId), data: { round } });
    },
    storedBytes: async (run) => runs.storedBytes(bareEvents.start(await run())),
    async close() {},
  };
}
