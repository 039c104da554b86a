// `npm run bench [-- --drivers local,temporal]`: measures what Ratchet costs over each engine used
// directly, side by side in one run, and regenerates docs/benchmarks.md and docs/benchmarks.json.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startModelServer } from '@ratchet/testing';
import { allBenchDrivers } from './drivers/index.ts';
import { measureCompletionOverhead } from './figures/completion-overhead.ts';
import { measureJournalBytes } from './figures/journal-bytes.ts';
import { measureRecovery } from './figures/recovery.ts';
import { measureStepOverhead } from './figures/step-overhead.ts';
import { measureThroughput } from './figures/throughput.ts';
import type { BenchDriver } from './harness/bench-driver.ts';
import { runIdOfKey } from './harness/run-ids.ts';
import { probe } from './harness/step-probe.ts';
import type { BenchReport, DriverReport } from './report/bench-report.ts';
import { describeMachine } from './report/machine.ts';
import { renderMarkdown } from './report/render-markdown.ts';
import { checkTargets } from './report/targets.ts';

const { values } = parseArgs({ options: { drivers: { type: 'string' } } });
const wanted = values.drivers?.split(',').map((name) => name.trim()).filter(Boolean);
const unknown = wanted?.filter((name) => !allBenchDrivers.some((driver) => driver.name === name)) ?? [];
if (unknown.length) {
  console.error(`Unknown driver(s): ${unknown.join(', ')}. In the bench: ${allBenchDrivers.map((d) => d.name).join(', ')}`);
  process.exit(2);
}
const selected = wanted ? allBenchDrivers.filter((driver) => wanted.includes(driver.name)) : allBenchDrivers;
const root = new URL('../', import.meta.url);
const command = `npm run bench${wanted ? ` -- --drivers ${wanted.join(',')}` : ''}`;

const started = performance.now();
const machine = describeMachine();
const models = await startModelServer();
// Completions are timed where they arrive: both sides send `Idempotency-Key: {runId}:...`.
models.on('request', (request) => {
  if (request.idempotencyKey) probe.mark(runIdOfKey(request.idempotencyKey));
});

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
  machine,
  drivers,
  unavailable,
};
const markdown = renderMarkdown(report);
writeFileSync(new URL('docs/benchmarks.md', root), markdown);
writeFileSync(new URL('docs/benchmarks.json', root), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\n${markdown}`);
console.log('[bench] wrote docs/benchmarks.md and docs/benchmarks.json');
// The Temporal SDK's native runtime keeps the event loop alive after its workers are gone.
process.exit(drivers.length > 0 ? 0 : 1);

async function benchDriver(entry: BenchDriver): Promise<DriverReport> {
  const log = (message: string) => console.log(`[bench] ${entry.name}: ${message}`);
  if (entry.installScript) {
    const install = spawnSync('bash', [entry.installScript], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (install.status !== 0) throw new Error(`${entry.installScript} failed (exit ${install.status})`);
  }
  const driverStarted = performance.now();
  log('starting the engine');
  const engine = await entry.start({ models });
  try {
    const timed = async <T>(figure: string, measure: () => Promise<T>): Promise<T> => {
      const at = performance.now();
      const result = await measure();
      log(`${figure} in ${((performance.now() - at) / 1000).toFixed(1)} s`);
      return result;
    };
    const stepOverhead = await timed('step overhead', () => measureStepOverhead(engine));
    const completionOverhead = await timed('completion overhead', () => measureCompletionOverhead(engine));
    const recovery = await timed('recovery', () => measureRecovery(engine));
    const throughput = await timed('throughput', () => measureThroughput(engine));
    const journalBytes = await timed('journal bytes', () => measureJournalBytes(engine));
    return {
      name: entry.name,
      engine: engine.version,
      bare: engine.bareDescription,
      notes: engine.notes,
      scale: engine.scale,
      durationMs: performance.now() - driverStarted,
      stepOverhead,
      completionOverhead,
      recovery,
      throughput,
      journalBytes,
      targets: checkTargets(entry.name, { step: stepOverhead, completion: completionOverhead, recovery }),
    };
  } finally {
    await engine.ratchet.close();
    await engine.bare.close();
    await engine.stop();
  }
}
