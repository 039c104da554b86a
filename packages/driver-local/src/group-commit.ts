import type { DatabaseSync } from 'node:sqlite';

interface Queued {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Commits the writes asked for in one turn of the event loop together, in one `BEGIN IMMEDIATE`
 * transaction (group commit): a worker running many runs at once journals each of their steps
 * without a commit each, and a commit is most of what a step costs here. Each write runs in its own
 * savepoint, so one that throws (a lost lease) is undone alone and rejects alone; the rest commit.
 * A write's promise settles once its transaction committed, so whoever awaits it has it on disk, as
 * with a transaction of its own.
 */
export class GroupCommit {
  readonly #db: DatabaseSync;
  #queue: Queued[] = [];

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // After this turn's microtasks, so every run that is ready now adds its write first.
      if (this.#queue.length === 0) setImmediate(() => this.#commit());
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  #commit(): void {
    const batch = this.#queue;
    this.#queue = [];
    const outcomes: ({ value: unknown } | { error: unknown })[] = [];
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      for (const { work } of batch) {
        this.#db.exec('SAVEPOINT write');
        try {
          outcomes.push({ value: work() });
          this.#db.exec('RELEASE write');
        } catch (error) {
          this.#db.exec('ROLLBACK TO write');
          this.#db.exec('RELEASE write');
          outcomes.push({ error });
        }
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      for (const { reject } of batch) reject(error);
      return;
    }
    batch.forEach(({ resolve, reject }, index) => {
      const outcome = outcomes[index]!;
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.value);
    });
  }
}
