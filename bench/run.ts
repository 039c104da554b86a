// `npm run bench [-- --drivers local,temporal] [--figures now,signal] [--quick]`: measures what Ratchet
// costs over each engine used directly, side by side in one run, and regenerates docs/benchmarks.md
// and docs/benchmarks.json. `--figures` (a subset) and `--quick` (a few repetitions each, to try a
// change) write their report to the temporary directory instead: docs/ only ever holds a full run.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { allBenchDrivers } from './drivers/index.ts';
import { measureCompletionOverhead } from './figures/completion-overhead.ts';
import { measureJournalBytes } from './figures/journal-bytes.ts';
import { measureMemory } from './figures/memory.ts';
import { measureNowOverhead } from './figures/now-overhead.ts';
import { measureRecovery } from './figures/recovery.ts';
import { measureSignalLatency } from './figures/signal-latency.ts';
import { measureSleepLatency } from './figures/sleep-latency.ts';
import { measureStepOverhead } from './figures/step-overhead.ts';
import { measureThroughput } from './figures/throughput.ts';
import { quickScale, type BenchDriver, type BenchEngine } from './harness/bench-driver.ts';
import { startBenchModels } from './harness/bench-models.ts';
import type { BenchReport, DriverReport } from './report/bench-report.ts';
import { describeMachine } from './report/machine.ts';
import { renderMarkdown } from './report/render-markdown.ts';
import { checkTargets } from './report/targets.ts';

const figureNames = ['step', 'completion', 'now', 'signal', 'sleep', 'recovery', 'throughput', 'bytes', 'memory'] as const;
type FigureName = (typeof figureNames)[number];

const { values } = parseArgs({ options: { drivers: { type: 'string' }, figures: { type: 'string' }, quick: { type: 'boolean' } } });
const list = (option: string | undefined) => option?.split(',').map((name) => name.trim()).filter(Boolean);
const wanted = list(values.drivers);
const wantedFigures = list(values.figures);
const unknown = wanted?.filter((name) => !allBenchDrivers.some((driver) => driver.name === name)) ?? [];
if (unknown.length) {
  console.error(`Unknown driver(s): ${unknown.join(', ')}. In the bench: ${allBenchDrivers.map((d) => d.name).join(', ')}`);
  process.exit(2);
}
const unknownFigures = wantedFigures?.filter((name) => !(figureNames as readonly string[]).includes(name)) ?? [];
if (unknownFigures.length) {
  console.error(`Unknown figure(s): ${unknownFigures.join(', ')}. Figures: ${figureNames.join(', ')}`);
  process.exit(2);
}
const measures = (figure: FigureName) => !wantedFigures || wantedFigures.includes(figure);
const quick = values.quick ?? false;
const selected = wanted ? allBenchDrivers.filter((driver) => wanted.includes(driver.name)) : allBenchDrivers;
const root = new URL('../', import.meta.url);
const command = ['npm run bench', ...(wanted || wantedFigures || quick ? ['--'] : []), ...(wanted ? [`--drivers ${wanted.join(',')}`] : []), ...(wantedFigures ? [`--figures ${wantedFigures.join(',')}`] : []), ...(quick ? ['--quick'] : [])].join(' ');

const started = performance.now();
const machine = describeMachine();
const models = await startBenchModels();

const drivers: DriverReport[] = [];
const unavailable: BenchReport['unavailable'] = [];
for (const entry of selected) {
  try {
    drivers.push(await benchDriver(entry));
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    console.error(`[bench] ${entry.name}: not measured: ${reason}`);
    unavailable.push({ name: entry.name, reason });
  }
  models.reset();
}
await models.close();

machine.loadAverage.end = loadavg()[0]!;
const report: BenchReport = {
  generatedAt: new Date().toISOString(),
  command,
  durationMs: performance.now() - started,
  ...(quick ? { quick } : {}),
  machine,
  drivers,
  unavailable,
};
const markdown = renderMarkdown(report);
const out = wantedFigures || quick ? join(tmpdir(), `ratchet-bench-${process.pid}`) : new URL('docs/benchmarks', root).pathname;
writeFileSync(`${out}.md`, markdown);
writeFileSync(`${out}.json`, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\n${markdown}`);
console.log(`[bench] wrote ${out}.md and ${out}.json`);
// The Temporal SDK's native runtime keeps the event loop alive after its workers are gone.
process.exit(drivers.length > 0 ? 0 : 1);

async function benchDriver(entry: BenchDriver): Promise<DriverReport> {
  const log = (message: string) => console.log(`[bench] ${entry.name}: ${message}`);
  if (entry.installScript) {
    const install = spawnSync('bash', [entry.installScript], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (install.status !== 0) throw new Error(`${entry.installScript} failed (exit ${install.status})`);
  }
  const driverStarted = performance.now();
  const timed = async <T>(figure: FigureName, label: string, measure: () => Promise<T>): Promise<T | undefined> => {
    if (!measures(figure)) return undefined;
    const at = performance.now();
    const result = await measure();
    log(`${label} in ${((performance.now() - at) / 1000).toFixed(1)} s`);
    return result;
  };
  log('starting the engine');
  const running = await entry.start({ models });
  const engine: BenchEngine = quick ? { ...running, scale: quickScale(running.scale) } : running;
  let figures;
  try {
    figures = {
      stepOverhead: await timed('step', 'step overhead', () => measureStepOverhead(engine)),
      completionOverhead: await timed('completion', 'completion overhead', () => measureCompletionOverhead(engine)),
      nowOverhead: await timed('now', 'now overhead', () => measureNowOverhead(engine)),
      signalLatency: await timed('signal', 'signal latency', () => measureSignalLatency(engine)),
      sleepLatency: await timed('sleep', 'sleep latency', () => measureSleepLatency(engine)),
      recovery: await timed('recovery', 'recovery', () => measureRecovery(engine)),
      throughput: await timed('throughput', 'throughput', () => measureThroughput(engine)),
      journalBytes: await timed('bytes', 'journal bytes', () => measureJournalBytes(engine)),
    };
  } finally {
    await engine.ratchet.close();
    await engine.bare.close();
    await engine.stop();
  }
  // In processes of its own, each with its own engine: after this one stopped.
  const memory = await timed('memory', 'memory', () => measureMemory(entry.name, engine.scale.memory));
  const { stepOverhead: step, completionOverhead: completion, nowOverhead: now, signalLatency: signal, sleepLatency: sleep, recovery } = figures;
  return {
    name: entry.name,
    engine: engine.version,
    bare: engine.bareDescription,
    notes: engine.notes,
    scale: engine.scale,
    durationMs: performance.now() - driverStarted,
    ...figures,
    memory,
    targets: checkTargets(entry.name, { step, completion, now, signal, sleep, recovery }),
  };
}
