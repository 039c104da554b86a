import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { execFileSync } from 'node:child_process';
import { defaultTemporalBinary, startTemporalServer } from '@ratchet/driver-temporal';
import type { DriverUnderTest } from '../harness/driver-under-test.ts';
import { filesAsText } from '../harness/stored-text.ts';

// The modules that export the fixture worker's agents (see fixtures/hosted-agents.ts).
const agentModules = ['../fixtures/agents.ts', '../fixtures/llm-agents.ts', '../fixtures/migration-agents.ts'].map((path) => fileURLToPath(new URL(path, import.meta.url)));

/**
 * A fresh `temporal server start-dev` (the CLI from scripts/engines/install-temporal.sh) on its own
 * SQLite file per test file. Tuned for fast recovery after a kill, each beside the production default
 * it replaces:
 * - `activityHeartbeatTimeoutMs: 1000`: a killed worker's step is retried after 1 s without a
 *   heartbeat; default 30 s.
 * - `stickyQueueScheduleToStartTimeoutMs: 1000`: a killed worker's cached runs move to another worker
 *   after 1 s; SDK default 10 s.
 * - `pollIntervalMs: 20`: how often `result()` asks the server; default 200 ms.
 */
export const temporal: DriverUnderTest = {
  name: 'temporal',
  async start() {
    let server = await startTemporalServer();
    const port = Number(server.address.split(':')[1]);
    return {
      driverOptions: {
        address: server.address,
        taskQueue: 'ratchet-conformance',
        agentModules,
        activityHeartbeatTimeoutMs: 1_000,
        stickyQueueScheduleToStartTimeoutMs: 1_000,
        pollIntervalMs: 20,
      },
      async restartEngine() {
        await server.stop('SIGKILL');
        server = await startTemporalServer({ port, dbFile: server.dbFile });
      },
      // The dev server's SQLite file (and its write-ahead log): histories, payloads included.
      storedText: async () => filesAsText(dirname(server.dbFile)),
      stop: () => server.stop(),
    };
  },
  async engineVersion() {
    // `temporal version 1.9.1 (Server 1.32.0, UI 2.x)`: the CLI that embeds the dev server.
    return execFileSync(defaultTemporalBinary(), ['--version'], { encoding: 'utf8' }).trim();
  },
};
