import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { DriverUnderTest } from '../harness/driver-under-test.ts';
import { filesAsText } from '../harness/stored-text.ts';

/** A fresh SQLite file per test file; a dead worker's lease expires after 1 s (production: 30 s). */
export const local: DriverUnderTest = {
  name: 'local',
  async start() {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-conformance-local-'));
    return {
      driverOptions: { path: join(dir, 'runs.db'), leaseMs: 1_000, pollIntervalMs: 20 },
      // No server to kill: every process that opens the file is a worker or a client.
      restartEngine: async () => {},
      // The database file and its write-ahead log.
      storedText: async () => filesAsText(dir),
      stop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  async engineVersion() {
    const { version } = new DatabaseSync(':memory:').prepare('SELECT sqlite_version() AS version').get() as { version: string };
    return `node:sqlite ${version} (Node ${process.versions.node})`;
  },
};
