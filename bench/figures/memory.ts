import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchDriver, BenchScale } from '../harness/bench-driver.ts';
import { compareSummaries, type SideComparison } from '../harness/stats.ts';
import type { Workload } from '../workloads/workload.ts';
import { throughputSteps } from './throughput.ts';

/** Each batch of the memory figure starts `runs` runs of each of these at once. */
export const memoryWorkloads: readonly Workload[] = [
  { kind: 'steps', steps: throughputSteps },
  { kind: 'completions', completions: 1 },
];

/** What one worker process grew by, MiB, from just before its worker started. */
export interface MemorySample {
  /** Peak resident set (`VmHWM`, every thread and native allocation) less the resident set before. */
  peakRssMiB: number;
  /** V8 heap used by the main isolate after the runs and a full GC, less before: what the worker keeps. */
  heapMiB: number;
}

export interface MemoryResult {
  /** One sample per process; ratios are Ratchet / bare. Batches of short runs. */
  peakRss: SideComparison;
  heap: SideComparison;
  /** `scale.parked` runs parked on a signal wait (as on an approval) at once. */
  parked?: { peakRss: SideComparison; heap: SideComparison };
  /** A new worker replaying a run of `scale.replaySteps` journaled steps up to its next step, per step, KiB. */
  replay?: { peakRssPerStepKiB: SideComparison; heapPerStepKiB: SideComparison };
}

/** What a memory process does: see `measureMemory`. */
export type MemoryMode = 'batches' | 'parked' | 'replay';

const processScript = fileURLToPath(new URL('./memory-process.ts', import.meta.url));

/**
 * The worker's memory, each side in a fresh process of its own with its own engine (started after
 * the bench's engine for the other figures stopped), `processes` processes per side and mode, the
 * sides alternating which goes first:
 * - batches: `batches` batches, each `runs` 5-step runs and `runs` one-completion runs at once;
 * - parked: `parked` runs, each one step and then waiting for a signal, all parked at once;
 * - replay: one run of `replaySteps` steps parked by one worker, then a new worker replays it up to
 *   its next step (what the new worker grew by, per journaled step).
 */
export async function measureMemory(driver: BenchDriver['name'], scale: BenchScale['memory']): Promise<MemoryResult> {
  const sample = async (mode: MemoryMode, args: string[]) => {
    const samples = { ratchet: [] as MemorySample[], bare: [] as MemorySample[] };
    for (let round = 0; round < scale.processes; round++) {
      for (const side of round % 2 === 0 ? (['ratchet', 'bare'] as const) : (['bare', 'ratchet'] as const)) {
        samples[side].push(await sampleProcess(driver, side, mode, args));
      }
    }
    return (pick: (sample: MemorySample) => number) => compareSummaries(samples.ratchet.map(pick), samples.bare.map(pick));
  };
  const batches = await sample('batches', ['--batches', String(scale.batches), '--runs', String(scale.runs)]);
  const parked = await sample('parked', ['--runs', String(scale.parked)]);
  const replay = await sample('replay', ['--steps', String(scale.replaySteps)]);
  const perStepKiB = (mib: number) => (mib * 1024) / scale.replaySteps;
  return {
    peakRss: batches((s) => s.peakRssMiB),
    heap: batches((s) => s.heapMiB),
    parked: { peakRss: parked((s) => s.peakRssMiB), heap: parked((s) => s.heapMiB) },
    replay: { peakRssPerStepKiB: replay((s) => perStepKiB(s.peakRssMiB)), heapPerStepKiB: replay((s) => perStepKiB(s.heapMiB)) },
  };
}

function sampleProcess(driver: string, side: 'ratchet' | 'bare', mode: MemoryMode, args: string[]): Promise<MemorySample> {
  const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', processScript, '--driver', driver, '--side', side, '--mode', mode, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let sample: MemorySample | undefined;
    child.on('message', (message) => (sample = message as MemorySample));
    child.on('error', reject);
    child.on('exit', (code) => (sample && code === 0 ? resolve(sample) : reject(new Error(`the ${side} ${mode} memory process of ${driver} exited with ${code} and no sample`))));
  });
}
