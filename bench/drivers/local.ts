import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { localDriver } from '@ratchet/driver-local';
import type { BenchDriver } from '../harness/bench-driver.ts';
import { ratchetSide } from '../harness/ratchet-side.ts';
import { bareSqliteSide } from './local/bare-sqlite-side.ts';
import { sqliteStoredBytes } from './local/sqlite-stored-bytes.ts';

/** The embedded driver with its production defaults, against `node:sqlite` used directly; one fresh file each. */
export const local: BenchDriver = {
  name: 'local',
  async start({ models }) {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-bench-local-'));
    const ratchetPath = join(dir, 'ratchet.db');
    const barePath = join(dir, 'bare.db');
    const driver = localDriver({ path: ratchetPath });
    const { version } = new DatabaseSync(':memory:').prepare('SELECT sqlite_version() AS version').get() as { version: string };
    return {
      version: `node:sqlite ${version} (Node ${process.versions.node})`,
      bareDescription:
        '`node:sqlite` directly (WAL, synchronous=NORMAL, as the driver opens it): a step is the no-op plus one INSERT of its result in its own BEGIN IMMEDIATE transaction; a completion is the `openai` call plus the same INSERT of the raw response; `now` and a sleep\'s deadline one INSERT each, the sleep itself an in-process timer; a signal marks the run pending and wakes the worker; a resumed run reads its rows back',
      notes: [
        'Production defaults (`leaseMs` 30 s, `pollIntervalMs` 200, `synchronous=NORMAL`); one file per side.',
        'Ratchet\'s worker is woken in process too: by its own client\'s signal, and by a timer when a sleep it suspended ends (workers in other processes find such runs at their next poll, `pollIntervalMs`); the bare worker is woken in process (a timer, the signal call).',
        'Ratchet writes a step\'s result and a run\'s end with those of the other runs in flight, one commit per turn of the event loop (group commit, each write fenced by the lease); a first attempt writes nothing before it runs (its attempt is reckoned from the executions). The bare side commits each step on its own.',
        'Bytes: SQLite\'s own `dbstat` (record payload and b-tree pages) before and after the run, over every table and index.',
      ],
      ratchet: await ratchetSide({ driver, models, storedBytes: (run) => sqliteStoredBytes(ratchetPath, run) }),
      bare: bareSqliteSide(barePath, models),
      scale: {
        overhead: { runs: 20, steps: 100 },
        now: { runs: 10, steps: 50, nows: 3 },
        completions: { runs: 10, completions: 30 },
        signal: { runs: 5, rounds: 5 },
        sleep: { runs: 5, sleeps: 5, ms: 50 },
        recovery: { rounds: 10, steps: [10, 100, 1_000] },
        throughput: { batches: 7, runs: 100 },
        // SQLite stores in 4 KiB pages: enough rows that page granularity washes out.
        bytes: { steps: 400, completions: 100 },
        memory: { processes: 2, batches: 5, runs: 50, parked: 1000, replaySteps: 5000 },
      },
      async stop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
