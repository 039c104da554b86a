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
  /** One sample per process; ratios are Ratchet / bare. */
  peakRss: SideComparison;
  heap: SideComparison;
}

const processScript = fileURLToPath(new URL('./memory-process.ts', import.meta.url));

/**
 * The worker's memory: each side in a fresh process of its own, with its own engine (started after
 * the bench's engine for the other figures stopped), runs `batches` batches, each `runs` 5-step
 * runs and `runs` one-completion runs at once. Sides alternate which goes first, process by process.
 */
export async function measureMemory(driver: BenchDriver['name'], scale: BenchScale['memory']): Promise<MemoryResult> {
  const samples = { ratchet: [] as MemorySample[], bare: [] as MemorySample[] };
  for (let round = 0; round < scale.processes; round++) {
    for (const side of round % 2 === 0 ? (['ratchet', 'bare'] as const) : (['bare', 'ratchet'] as const)) {
      samples[side].push(await sampleProcess(driver, side, scale));
    }
  }
  const compare = (pick: (sample: MemorySample) => number) => compareSummaries(samples.ratchet.map(pick), samples.bare.map(pick));
  return { peakRss: compare((s) => s.peakRssMiB), heap: compare((s) => s.heapMiB) };
}

function sampleProcess(driver: string, side: 'ratchet' | 'bare', scale: BenchScale['memory']): Promise<MemorySample> {
  const args = ['--driver', driver, '--side', side, '--batches', String(scale.batches), '--runs', String(scale.runs)];
  const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', processScript, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let sample: MemorySample | undefined;
    child.on('message', (message) => (sample = message as MemorySample));
    child.on('error', reject);
    child.on('exit', (code) => (sample && code === 0 ? resolve(sample) : reject(new Error(`the ${side} memory process of ${driver} exited with ${code} and no sample`))));
  });
}
