// One side of one engine in a fresh process, spawned by `memory.ts`, so that what the process's
// memory grows by is that side's worker and its runs alone. Reports over IPC; started with --expose-gc.
// Modes (see memory.ts): `batches` of short runs, `parked` runs waiting for a signal, or `replay` of
// one long run by a new worker.
import { readFileSync, writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { parseArgs } from 'node:util';
import { allBenchDrivers } from '../drivers/index.ts';
import { startBenchModels } from '../harness/bench-models.ts';
import { runBatch } from '../harness/run-batch.ts';
import { newRunId } from '../harness/run-ids.ts';
import { probe } from '../harness/step-probe.ts';
import type { BenchSide } from '../harness/bench-side.ts';
import { memoryWorkloads, type MemoryMode, type MemorySample } from './memory.ts';
import { releaseToNewWorker } from './recovery.ts';

const { values } = parseArgs({
  options: { driver: { type: 'string' }, side: { type: 'string' }, mode: { type: 'string' }, batches: { type: 'string' }, runs: { type: 'string' }, steps: { type: 'string' } },
});
const mode = (values.mode ?? 'batches') as MemoryMode;
const entry = allBenchDrivers.find((driver) => driver.name === values.driver);
const label = values.side;
if (!entry || (label !== 'ratchet' && label !== 'bare')) throw new Error(`memory-process: no driver ${values.driver} or side ${label}`);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('memory-process: start it with --expose-gc');

const models = await startBenchModels();
const engine = await entry.start({ models });
let sample: MemorySample;
try {
  const side = engine[label];
  if (mode === 'replay') sample = await replay(side, Number(values.steps));
  else {
    const before = reset();
    const worker = await side.startWorker();
    try {
      if (mode === 'parked') await park(side, Number(values.runs));
      else {
        for (let batch = 0; batch < Number(values.batches); batch++) {
          await Promise.all(memoryWorkloads.map((workload) => runBatch(side, Array.from({ length: Number(values.runs) }, () => newRunId('memory', label)), workload)));
        }
      }
      sample = grownSince(before);
    } finally {
      await worker.stop();
    }
  }
} finally {
  await engine.ratchet.close();
  await engine.bare.close();
  await engine.stop();
  await models.close();
}
process.send!(sample);
// The Temporal SDK's native runtime keeps the event loop alive after its workers are gone.
process.disconnect();
process.exit(0);

/** The process's peak resident set since the reset, bytes. */
function peakRss(): number {
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  if (!kib) throw new Error('memory-process: no VmHWM in /proc/self/status');
  return Number(kib) * 1024;
}

/** A full GC, then the peak reset (writing 5 to clear_refs sets VmHWM to the current RSS): what came before is setup. */
function reset(): { rss: number; heap: number } {
  gc!();
  writeFileSync('/proc/self/clear_refs', '5');
  return { rss: process.memoryUsage.rss(), heap: getHeapStatistics().used_heap_size };
}

/** What the process grew by since `before`: its peak RSS, and the heap kept after a full GC. */
function grownSince(before: { rss: number; heap: number }): MemorySample {
  gc!();
  return { peakRssMiB: (peakRss() - before.rss) / 2 ** 20, heapMiB: (getHeapStatistics().used_heap_size - before.heap) / 2 ** 20 };
}

/** Starts `count` runs that each take one step and wait for a signal, and waits until every one is parked. */
async function park(side: BenchSide, count: number): Promise<void> {
  const runIds = Array.from({ length: count }, () => newRunId('parked', side.label));
  await pool(runIds, (runId) => side.startRun(runId, { kind: 'recovery', steps: 1, rounds: 1 }));
  await Promise.all(runIds.map((runId) => probe.until(runId, 1)));
  await pool(runIds, (runId) => side.awaitWaiting(runId));
}

/**
 * Journals `steps` steps of one run with one worker, parks it on a signal and stops that worker;
 * then measures a new worker from its start until the run's next step, which replays every one.
 */
async function replay(side: BenchSide, steps: number): Promise<MemorySample> {
  const runId = newRunId(`replay${steps}`, side.label);
  const first = await side.startWorker();
  try {
    await side.startRun(runId, { kind: 'recovery', steps, rounds: 1 });
    await probe.until(runId, steps, 1_800_000);
    await side.awaitWaiting(runId);
  } finally {
    await first.stop();
  }
  const before = reset();
  const worker = await releaseToNewWorker(side, runId, () => {});
  try {
    await probe.until(runId, steps + 1, 600_000);
    const grown = grownSince(before);
    await side.awaitCompleted(runId);
    return grown;
  } finally {
    await worker.stop();
  }
}

/** Runs `task` over `items`, at most 25 at a time: a thousand engine calls at once measure the engine's queue. */
async function pool<T>(items: readonly T[], task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(25, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}
