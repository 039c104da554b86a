import type { DriverUnderTest } from '../harness/driver-under-test.ts';
import { bytesSpelledOut } from '../harness/stored-text.ts';
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
      // Its RocksDB files may be compressed, so through its SQL API: every journal, state, promise and invocation.
      storedText: async () => {
        const tables = ['sys_journal', 'state', 'sys_promise', 'sys_invocation', 'sys_inbox', 'sys_journal_events'];
        const rows = await Promise.all(tables.map((table) => queryRows(server.adminUrl, `SELECT * FROM ${table}`)));
        return bytesSpelledOut(rows);
      },
      stop: () => server.stop(),
    };
  },
  async engineVersion() {
    return execFileSync(restateBinary(), ['--version'], { encoding: 'utf8' }).trim().split('\n')[0]!;
  },
};

/** Rows of a query on restate-server's admin SQL API, with JSON columns (`entry_json`, `event_json`) parsed so their byte arrays can be spelled out. */
async function queryRows(adminUrl: string, query: string): Promise<unknown[]> {
  const response = await fetch(`${adminUrl}/query`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query }) });
  if (!response.ok) throw new Error(`restate-server answered ${response.status} to ${query}: ${await response.text()}`);
  const { rows } = (await response.json()) as { rows: Record<string, unknown>[] };
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, key.endsWith('_json') && typeof value === 'string' ? JSON.parse(value) : value])));
}
