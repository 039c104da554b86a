import { DatabaseSync } from 'node:sqlite';
import type { StoredBytes } from '../../harness/bench-side.ts';

/**
 * What a run added to a SQLite file, read from SQLite's own `dbstat` table before and after it:
 * `payload` is the bytes of the records (rows and index entries), `pages` the b-tree pages they use.
 * Only the measured run may write meanwhile.
 */
export async function sqliteStoredBytes(path: string, run: () => Promise<string>): Promise<StoredBytes> {
  const before = measure(path);
  await run();
  const after = measure(path);
  return { payload: after.payload - before.payload, pages: after.pages - before.pages };
}

function measure(path: string): { payload: number; pages: number } {
  const db = new DatabaseSync(path);
  try {
    const row = db.prepare('SELECT sum(pgsize) AS pages, sum(payload) AS payload FROM dbstat').get() as { pages: number; payload: number };
    return { pages: row.pages, payload: row.payload };
  } finally {
    db.close();
  }
}
