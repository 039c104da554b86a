import type { BenchEngine } from '../harness/bench-driver.ts';
import type { BenchSide, StoredBytes } from '../harness/bench-side.ts';
import { runBatch } from '../harness/run-batch.ts';
import { newRunId } from '../harness/run-ids.ts';
import type { Workload } from '../workloads/workload.ts';

export interface JournalBytesResult {
  /** Bytes per step and per completion, marginal: (bytes of a 1+K run − bytes of a 1 run) / K. */
  ratchet: PerUnitBytes;
  bare: PerUnitBytes;
  /** ratchet / bare, of the payload bytes. */
  ratio: { step: number; completion: number };
}

export interface PerUnitBytes {
  step: StoredBytes;
  completion: StoredBytes;
}

/** What one more step, and one more completion, adds to what the engine stores, on each side. */
export async function measureJournalBytes(engine: BenchEngine): Promise<JournalBytesResult> {
  const ratchet = await perUnit(engine.ratchet, engine.scale.bytes);
  const bare = await perUnit(engine.bare, engine.scale.bytes);
  return { ratchet, bare, ratio: { step: ratchet.step.payload / bare.step.payload, completion: ratchet.completion.payload / bare.completion.payload } };
}

async function perUnit(side: BenchSide, extra: { steps: number; completions: number }): Promise<PerUnitBytes> {
  const worker = await side.startWorker();
  try {
    const stored = (workload: Workload) =>
      side.storedBytes(async () => {
        const runId = newRunId('bytes', side.label);
        await runBatch(side, [runId], workload);
        return runId;
      });
    const marginal = (small: StoredBytes, large: StoredBytes, units: number): StoredBytes => ({
      payload: (large.payload - small.payload) / units,
      ...(small.pages === undefined || large.pages === undefined ? {} : { pages: (large.pages - small.pages) / units }),
    });
    const step = marginal(await stored({ kind: 'steps', steps: 1 }), await stored({ kind: 'steps', steps: 1 + extra.steps }), extra.steps);
    const completion = marginal(
      await stored({ kind: 'completions', completions: 1 }),
      await stored({ kind: 'completions', completions: 1 + extra.completions }),
      extra.completions,
    );
    return { step, completion };
  } finally {
    await worker.stop();
  }
}
