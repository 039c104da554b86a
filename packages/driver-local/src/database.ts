import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * Opens the run database. WAL lets several worker processes and clients share one file; every
 * write that matters happens in `BEGIN IMMEDIATE` so writers queue (busy_timeout) instead of failing.
 * `synchronous=NORMAL` in WAL mode survives a killed process (what the tests do); use `FULL` to
 * survive power loss too.
 */
export function openDatabase(path: string, options: { synchronous?: 'NORMAL' | 'FULL' } = {}): DatabaseSync {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path, { timeout: 10_000 });
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.synchronous ?? 'NORMAL'}; PRAGMA foreign_keys = ON;`);
  db.exec(schema);
  upgrade(db);
  return db;
}

/** Adds what later versions need to a database an earlier version created (CREATE IF NOT EXISTS keeps old tables as they were). */
function upgrade(db: DatabaseSync): void {
  const columns = new Set((db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((column) => column.name));
  for (const [column, type] of [['migration_to', 'TEXT'], ['migration', 'TEXT'], ['seeded_steps', 'INTEGER']] as const) {
    if (!columns.has(column)) db.exec(`ALTER TABLE runs ADD COLUMN ${column} ${type}`);
  }
}

/** Runs `work` in an immediate transaction: it holds the write lock from its first statement. */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

const schema = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  agent TEXT NOT NULL,
  input TEXT NOT NULL,
  input_digest TEXT NOT NULL,
  seed TEXT NOT NULL,
  options TEXT,
  status TEXT NOT NULL,
  executions INTEGER NOT NULL DEFAULT 0,
  wake_at INTEGER NOT NULL,
  -- Moved by every signal and migration request: what an execution in flight must not sleep through.
  signal_version INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_expires_at INTEGER NOT NULL DEFAULT 0,
  output TEXT,
  error TEXT,
  compensations TEXT,
  dead_letter TEXT,
  -- The driver a migration was requested to (first request wins), and once stopped, its record.
  migration_to TEXT,
  migration TEXT,
  -- For a run started from another run's journal: how many of its first entries came from there.
  seeded_steps INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_ready ON runs (status, wake_at);

CREATE TABLE IF NOT EXISTS journal (
  run_id TEXT NOT NULL REFERENCES runs (id),
  position INTEGER NOT NULL,
  step_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  input_digest TEXT NOT NULL,
  input TEXT,
  status TEXT NOT NULL,
  output TEXT,
  error TEXT,
  attempts INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  completed_at INTEGER NOT NULL,
  execution INTEGER NOT NULL,
  compensable INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, position)
) WITHOUT ROWID;

-- A step that has begun but not finished: its attempts so far (crashed ones count), when the next
-- attempt may start, and for sleeps and signal waits the journaled deadline.
CREATE TABLE IF NOT EXISTS pending_steps (
  run_id TEXT NOT NULL REFERENCES runs (id),
  position INTEGER NOT NULL,
  step_id TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  deadline INTEGER,
  last_error TEXT,
  started_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, position)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS signals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL REFERENCES runs (id),
  name TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  consumed_by TEXT
);
CREATE INDEX IF NOT EXISTS signals_pending ON signals (run_id, name, consumed_by);
`;
