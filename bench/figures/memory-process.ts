// One side of one engine in a fresh process, spawned by `memory.ts`, so that what the process's
// memory grows by is that side's worker and its runs alone. Reports over IPC; started with --expose-gc.
import { readFileSync, writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { parseArgs } from 'node:util';
import { allBenchDrivers } from '../drivers/index.ts';
import { startBenchModels } from '../harness/bench-models.ts';
import { runBatch } from '../harness/run-batch.ts';
import { newRunId } from '../harness/run-ids.ts';
import { memoryWorkloads, type MemorySample } from './memory.ts';

const { values } = parseArgs({ options: { driver: { type: 'string' }, side: { type: 'string' }, batches: { type: 'string' }, runs: { type: 'string' } } });
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
  gc();
  // Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS: what came before is setup.
  writeFileSync('/proc/self/clear_refs', '5');
  const before = { rss: process.memoryUsage.rss(), heap: getHeapStatistics().used_heap_size };
  const worker = await side.startWorker();
  try {
    for (let batch = 0; batch < Number(values.batches); batch++) {
      await Promise.all(memoryWorkloads.map((workload) => runBatch(side, Array.from({ length: Number(values.runs) }, () => newRunId('memory', label)), workload)));
    }
    gc();
    sample = {
      peakRssMiB: (peakRss() - before.rss) / 2 ** 20,
      heapMiB: (getHeapStatistics().used_heap_size - before.heap) / 2 ** 20,
    };
  } finally {
    await worker.stop();
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
