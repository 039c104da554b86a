import * as http2 from 'node:http2';
import * as restate from '@restatedev/restate-sdk';
import type { BenchSide } from '../../harness/bench-side.ts';
import type { RestateAdmin } from './restate-admin.ts';
import { bareRestateService, bareServiceName } from './bare-restate-service.ts';

export interface BareRestateOptions {
  admin: RestateAdmin;
  ingressUrl: string;
  /** Where the bare endpoint listens; every bare worker serves it, so Restate finds the next one there. */
  endpointPort: number;
  openaiBaseURL: string;
  /** The same as the Ratchet side's. */
  inactivityTimeoutMs: number;
}

/** The Restate SDK used directly: an HTTP/2 endpoint serving the bare workflow, registered once. */
export function bareRestateSide(options: BareRestateOptions): BenchSide {
  const { admin } = options;
  const service = bareRestateService(options.openaiBaseURL, options.inactivityTimeoutMs);
  const releases = new Map<string, number>();
  let registered: Promise<void> | undefined;
  const ingress = async (path: string, body: unknown) => {
    const response = await fetch(`${options.ingressUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`Restate ingress answered ${response.status} to ${path}: ${await response.text()}`);
  };
  return {
    label: 'bare',
    async startWorker() {
      const server = http2.createServer(restate.createEndpointHandler({ services: [service], logger: () => {} }));
      const sessions = new Set<http2.ServerHttp2Session>();
      server.on('session', (session) => {
        sessions.add(session);
        session.once('close', () => sessions.delete(session));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: options.endpointPort, reusePort: true }, () => resolve());
      });
      // A deployment registers its URL once; workers that come back at that URL need not.
      await (registered ??= admin.register(`http://127.0.0.1:${options.endpointPort}`));
      return {
        stop: () =>
          new Promise<void>((resolve) => {
            for (const session of sessions) session.destroy();
            server.close(() => resolve());
          }),
      };
    },
    async startRun(runId, workload) {
      await ingress(`/${bareServiceName}/${encodeURIComponent(runId)}/run/send`, workload);
    },
    awaitCompleted: (runId) => admin.awaitCompleted(runId),
    awaitWaiting: (runId) => admin.awaitWaiting(runId),
    async signal(runId) {
      const round = releases.get(runId) ?? 0;
      releases.set(runId, round + 1);
      await ingress(`/${bareServiceName}/${encodeURIComponent(runId)}/go/send`, round);
    },
    awaitDispatchable: (runId) => admin.awaitBackingOff(runId),
    resume: (runId) => admin.resume(runId),
    storedBytes: (run) => admin.storedBytes(run),
    async close() {},
  };
}
