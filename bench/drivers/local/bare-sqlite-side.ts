import { DatabaseSync, type StatementSync } from 'node:sqlite';
import OpenAI from 'openai';
import type { ModelServer } from '@ratchet/testing';
import type { BenchSide, Stoppable } from '../../harness/bench-side.ts';
import { probe } from '../../harness/step-probe.ts';
import { waitUntil } from '../../harness/wait-until.ts';
import { benchMessages, benchModel, type Workload } from '../../workloads/workload.ts';
import { sqliteStoredBytes } from './sqlite-stored-bytes.ts';

// The least a SQLite-backed engine must store: a run row, and one row per step holding its result.
const schema = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  workload TEXT NOT NULL,
  status TEXT NOT NULL,
  releases INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS journal (
  run_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  output TEXT,
  PRIMARY KEY (run_id, position)
) WITHOUT ROWID;
`;

/** Opened as the local driver opens its database: WAL, `synchronous=NORMAL`, a busy timeout. */
function openBareDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path, { timeout: 10_000 });
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  db.exec(schema);
  return db;
}

/**
 * The local driver's bare counterpart: `node:sqlite` used directly, the closest thing to an engine
 * the local driver has. A step is the no-op call plus one `INSERT` of its result in its own
 * `BEGIN IMMEDIATE` transaction (prepared statements, no leases, no digests, no validation);
 * a completion is the `openai` client's call plus the same `INSERT` of the raw response; a read of the
 * time is one `INSERT` of it; a sleep one `INSERT` of its deadline, then an in-process timer. A worker
 * takes pending runs one at a time (a signal wakes it at once) and replays a resumed run by reading
 * its rows back.
 */
export function bareSqliteSide(path: string, models: ModelServer): BenchSide {
  const db = openBareDatabase(path);
  const workers = new Set<BareSqliteWorker>();
  const openai = new OpenAI({ apiKey: 'bench-key', baseURL: models.openaiBaseURL, maxRetries: 0 });
  const status = (runId: string) => (db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string } | undefined)?.status;
  return {
    label: 'bare',
    async startWorker() {
      const worker = new BareSqliteWorker(openBareDatabase(path), openai);
      workers.add(worker);
      worker.start();
      return { stop: async () => (workers.delete(worker), worker.stop()) };
    },
    async startRun(runId, workload) {
      db.prepare(`INSERT INTO runs (id, workload, status) VALUES (?, ?, 'pending')`).run(runId, JSON.stringify(workload));
      for (const worker of workers) worker.wake();
    },
    awaitCompleted: (runId) => waitUntil(() => status(runId) === 'completed', `bare run ${runId} completed`, 300_000, 2),
    awaitWaiting: (runId) => waitUntil(() => status(runId) === 'waiting', `bare run ${runId} waiting`, 300_000, 2),
    async signal(runId) {
      db.prepare(`UPDATE runs SET releases = releases + 1, status = 'pending' WHERE id = ?`).run(runId);
      for (const worker of workers) worker.wake();
    },
    storedBytes: (run) => sqliteStoredBytes(path, run),
    async close() {
      db.close();
    },
  };
}

class BareSqliteWorker implements Stoppable {
  readonly #db: DatabaseSync;
  readonly #openai: OpenAI;
  readonly #claim: StatementSync;
  readonly #insert: StatementSync;
  readonly #finish: StatementSync;
  readonly #park: StatementSync;
  readonly #replay: StatementSync;
  #stopping = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(db: DatabaseSync, openai: OpenAI) {
    this.#db = db;
    this.#openai = openai;
    this.#claim = db.prepare(
      `UPDATE runs SET status = 'running' WHERE id = (SELECT id FROM runs WHERE status = 'pending' LIMIT 1) RETURNING id, workload, releases`,
    );
    this.#insert = db.prepare('INSERT INTO journal (run_id, position, output) VALUES (?, ?, ?)');
    this.#finish = db.prepare(`UPDATE runs SET status = 'completed' WHERE id = ?`);
    this.#park = db.prepare(`UPDATE runs SET status = 'waiting' WHERE id = ?`);
    this.#replay = db.prepare('SELECT output FROM journal WHERE run_id = ? ORDER BY position');
  }

  start(): void {
    this.#loop = this.#poll();
  }

  wake(): void {
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    this.#db.close();
  }

  async #poll(): Promise<void> {
    while (!this.#stopping) {
      const run = this.#claim.get() as { id: string; workload: string; releases: number } | undefined;
      if (run) {
        await this.#execute(run.id, JSON.parse(run.workload) as Workload, run.releases);
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 200);
      });
    }
  }

  async #execute(runId: string, workload: Workload, releases: number): Promise<void> {
    // Replay: what is journaled is read back, not run again.
    const journal = (this.#replay.all(runId) as { output: string | null }[]).map((row) => (row.output === null ? null : JSON.parse(row.output)));
    let position = journal.length;
    const step = async () => {
      await noop(runId);
      this.#write(runId, position++, null);
    };
    // The time, journaled; a sleep journals its deadline, then waits on an in-process timer.
    const now = () => this.#write(runId, position++, String(Date.now()));
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    switch (workload.kind) {
      case 'steps':
        while (position < workload.steps) await step();
        break;
      case 'now': {
        // Step i sits at position i × (1 + nows), after the nows that precede it.
        const stride = 1 + workload.nows;
        while (position < (workload.steps - 1) * stride + 1) {
          if (position % stride === 0) await step();
          else now();
        }
        break;
      }
      case 'sleep':
        // Steps at even positions, deadlines at odd ones: a run resumed after a deadline waits it out.
        if (position % 2 === 0 && position > 0) await sleep((journal[position - 1] as number) - Date.now());
        while (position < 2 * workload.sleeps + 1) {
          if (position % 2 === 0) {
            await step();
          } else {
            this.#write(runId, position++, String(Date.now() + workload.ms));
            await sleep(workload.ms);
          }
        }
        break;
      case 'completions':
        while (position < workload.completions) {
          const completion = await this.#openai.chat.completions.create(
            { model: benchModel, messages: benchMessages },
            { headers: { 'Idempotency-Key': `${runId}:${position}` } },
          );
          this.#write(runId, position++, JSON.stringify(completion));
        }
        break;
      case 'recovery':
        while (position < workload.steps) await step();
        // One step per signal received: a round without its signal parks the run.
        while (position < workload.steps + workload.rounds) {
          if (releases <= position - workload.steps) {
            this.#park.run(runId);
            return;
          }
          await step();
        }
        break;
    }
    this.#finish.run(runId);
  }

  #write(runId: string, position: number, output: string | null): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      this.#insert.run(runId, position, output);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}

/** The bare side's step that does nothing. */
async function noop(runId: string): Promise<null> {
  probe.mark(runId);
  return null;
}
