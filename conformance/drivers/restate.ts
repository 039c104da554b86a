import type { DriverUnderTest } from '../harness/driver-under-test.ts';
import { execFileSync } from 'node:child_process';
import { freePort, restateBinary, startRestateServer } from '@ratchet/driver-restate/server';

/**
 * A fresh restate-server per test file (its own data directory, free ports on 127.0.0.1, retries
 * tuned to 50-500 ms instead of production's 500 ms-1 min: see src/server.ts). Every worker process
 * of the file serves the same endpoint port (SO_REUSEPORT) and registers that one URL, so a run
 * pinned to it resumes on the replacement of a killed worker. Results are polled every 50 ms
 * (production default 200 ms).
 */
export const restate: DriverUnderTest = {
  name: 'restate',
  async start() {
    const server = await startRestateServer();
    const endpointPort = await freePort();
    return {
      driverOptions: { ingressUrl: server.ingressUrl, adminUrl: server.adminUrl, endpointPort, pollIntervalMs: 50 },
      restartEngine: () => server.restart(),
      stop: () => server.stop(),
    };
  },
  async engineVersion() {
    return execFileSync(restateBinary(), ['--version'], { encoding: 'utf8' }).trim().split('\n')[0]!;
  },
};
