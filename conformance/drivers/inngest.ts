import getPort from 'get-port';
import { execFileSync } from 'node:child_process';
import { startInngestServer } from '@ratchet/driver-inngest';
import type { DriverUnderTest } from '../harness/driver-under-test.ts';
import { filesAsText } from '../harness/stored-text.ts';

/**
 * A fresh self-hosted `inngest start` on its own Redis per test file, in cloud mode (signed requests).
 * Tuned for fast recovery after a kill, each beside the production default it replaces:
 * - `--retry-interval 1`: a failed request (the killed worker's) is retried after 1 s; by default the
 *   server backs off exponentially (about 15 s, then more, measured ~16 s to resume after a kill).
 * - `--tick 10`: the executor polls its queue every 10 ms; default 150 ms.
 * - all workers of a file share one free port (`reusePort`), so the kernel spreads the server's
 *   requests between them as a load balancer would in production, and a killed worker's share moves
 *   to the others.
 * - `pollIntervalMs: 50`: how often `result()` reads the trace; default 250 ms.
 */
export const inngest: DriverUnderTest = {
  name: 'inngest',
  async start() {
    const [server, servePort] = await Promise.all([startInngestServer({ retryIntervalSeconds: 1, tickMs: 10 }), getPort({ host: '127.0.0.1' })]);
    return {
      driverOptions: {
        baseUrl: server.baseUrl,
        signingKey: server.signingKey,
        eventKey: server.eventKey,
        servePort,
        reusePort: true,
        pollIntervalMs: 50,
      },
      restartEngine: () => server.restart(),
      // Redis's append-only file (run state, queues) and the server's SQLite history, events included.
      storedText: async () => filesAsText(server.dataDir),
      stop: () => server.stop(),
    };
  },
  async engineVersion() {
    // The install script prints the binary's path last; `inngest version` names the build.
    const binary = execFileSync('bash', ['scripts/engines/install-inngest.sh'], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname }).trim().split('\n').at(-1)!;
    const redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).match(/v=(\S+)/)?.[1] ?? 'unknown';
    return `inngest ${execFileSync(binary, ['version'], { encoding: 'utf8' }).trim()} (self-hosted start, redis ${redis})`;
  },
};
