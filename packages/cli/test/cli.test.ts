import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import getPort from 'get-port';
import { z } from 'zod';
import { createClient, defineAgent, defineStep, TerminalError } from '@ratchet/core';
import { createWorker, implement } from '@ratchet/core/worker';
import { localDriver } from '@ratchet/driver-local';
import { spawnWorker } from '@ratchet/testing';
import { exitCodes } from '../src/index.ts';

const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const greet = defineStep({ name: 'greet', input: z.object({ name: z.string() }), output: z.string() });
const agent = defineAgent({
  name: 'greeter',
  input: z.object({ name: z.string() }),
  output: z.object({ greeting: z.string() }),
  retry: { maxAttempts: 1 },
  async run(ctx, { name }) {
    const greeting = await ctx.step(greet, { name });
    const decision = await ctx.approval('send');
    if (!decision.approved) throw new TerminalError('not sent');
    return { greeting };
  },
});

describe('ratchet CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ratchet-cli-'));
  const config = join(dir, 'ratchet.config.ts');
  const driver = localDriver({ path: join(dir, 'runs.db'), leaseMs: 1_000, pollIntervalMs: 10 });
  let stop: () => Promise<void>;
  const ratchet = (...args: string[]) => spawnSync(process.execPath, [bin, '--config', config, ...args], { encoding: 'utf8', timeout: 60_000 });

  before(async () => {
    writeFileSync(config, `export default { driver: 'local', local: { path: ${JSON.stringify(join(dir, 'runs.db'))} } };\n`);
    const worker = await createWorker(driver, { agents: [agent], implementations: [implement(greet, { execute: async ({ name }) => `hello ${name}` })] });
    await worker.start();
    stop = () => worker.stop();
    const client = await createClient(driver);
    await client.start(agent, { name: 'ada' }, { runId: 'run-ada' });
    while ((await client.describe('run-ada')).status !== 'waiting') await new Promise((resolve) => setTimeout(resolve, 10));
    await client.close();
  });
  after(() => stop());

  it('lists runs and shows one with its timeline', () => {
    const runs = ratchet('runs');
    assert.equal(runs.status, exitCodes.ok, runs.stderr);
    assert.match(runs.stdout, /run-ada\tgreeter\twaiting/);
    const show = ratchet('show', 'run-ada');
    assert.match(show.stdout, /run-ada {2}greeter {2}.*waiting/);
    assert.match(show.stdout, /step:greet#1 +completed +executed in #1/);
    const json = JSON.parse(ratchet('--json', 'journal', 'run-ada').stdout) as { stepId: string; output: unknown }[];
    assert.deepEqual(json.map((entry) => [entry.stepId, entry.output]), [['step:greet#1', 'hello ada']]);
  });

  it('approves a pending approval and the run completes', async () => {
    const approve = ratchet('approve', 'run-ada', 'send', '--by', 'ops');
    assert.equal(approve.status, exitCodes.ok, approve.stderr);
    assert.match(approve.stdout, /approved send on run-ada/);
    const client = await createClient(driver);
    assert.deepEqual(await client.result('run-ada', { timeoutMs: 10_000 }), { greeting: 'hello ada' });
    await client.close();
  });

  it('follows a run as it moves on, and watches the run list, redrawing each change', async () => {
    const client = await createClient(driver);
    await client.start(agent, { name: 'lin' }, { runId: 'run-follow' });
    while ((await client.describe('run-follow')).status !== 'waiting') await new Promise((resolve) => setTimeout(resolve, 10));
    const watch = spawnWorker(bin, { args: ['--config', config, 'runs', '--watch', '--interval', '100'], name: 'ratchet runs --watch' });
    const followed = spawnWorker(bin, { args: ['--config', config, 'show', 'run-follow', '--follow', '--interval', '100'], name: 'ratchet show --follow' });
    await followed.waitForOutput(/run-follow {2}greeter {2}.*waiting/, 30_000);
    await watch.waitForOutput(/run-follow\tgreeter\twaiting/, 30_000);
    await client.approve('run-follow', 'send', { by: 'ops' });
    await followed.waitForOutput(/run-follow {2}greeter {2}.*completed/, 30_000);
    assert.deepEqual(await followed.exited, { code: exitCodes.ok, signal: null }, 'it ends when the run does');
    // Each state once: the waiting frame, then the completed one.
    assert.equal(followed.output().match(/run-follow {2}greeter/g)?.length, 2, followed.output());
    await watch.waitForOutput(/run-follow\tgreeter\tcompleted/, 30_000);
    await watch.kill();
    await client.close();
  });

  it('refuses to steer a run that has ended, changing nothing, with its own exit code', async () => {
    const client = await createClient(driver);
    const before = await client.describe('run-ada');
    for (const args of [['approve', 'run-ada', 'send'], ['signal', 'run-ada', 'poke', '{}'], ['redrive', 'run-ada']]) {
      const steer = ratchet(...args);
      assert.equal(steer.status, exitCodes.runEnded, `${args.join(' ')}: ${steer.stderr}`);
      assert.match(steer.stderr, /^ratchet: Run "run-ada" has completed: nothing to (approve "send"|signal "poke"|redrive)\. Start a new run, or fork this one/);
    }
    assert.deepEqual(await client.describe('run-ada'), before);
    await client.close();
  });

  it('refuses a run count that is not a positive whole number as a usage error', () => {
    for (const count of ['abc', '-5', '0', '2.5']) {
      const runs = ratchet('runs', '-n', count);
      assert.equal(runs.status, exitCodes.usage, `-n ${count}: ${runs.stderr}`);
      assert.doesNotMatch(runs.stderr, /unexpected error|at RunStore/);
    }
    assert.match(ratchet('runs', '-n', 'abc').stderr, /"abc" is not a positive whole number/);
  });

  it('exports a run as a portable journal and refuses a tampered or cut copy on import', () => {
    const file = join(dir, 'run-ada.journal.json');
    const exported = ratchet('export', 'run-ada', '--out', file);
    assert.equal(exported.status, exitCodes.ok, exported.stderr);
    const document = JSON.parse(readFileSync(file, 'utf8')) as { format: string; version: number; run: { id: string }; entries: { stepId: string }[] };
    assert.deepEqual([document.format, document.version, document.run.id], ['ratchet.journal', 1, 'run-ada']);
    assert.deepEqual(document.entries.map((entry) => entry.stepId), ['step:greet#1', 'signal:approval:send#1']);
    assert.equal(ratchet('export', 'run-ada').stdout, readFileSync(file, 'utf8'), 'the same run exports the same document');

    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, readFileSync(file, 'utf8').replace('hello ada', 'hello eve'));
    const refused = ratchet('import', tampered);
    assert.equal(refused.status, exitCodes.invalidDocument);
    assert.match(refused.stderr, /Journal document refused \(tampered\)/);
    const cut = join(dir, 'cut.json');
    writeFileSync(cut, readFileSync(file, 'utf8').slice(0, 200));
    assert.match(ratchet('import', cut).stderr, /Journal document refused \(truncated\)/);
    const missing = ratchet('import', join(dir, 'nowhere.json'));
    assert.equal(missing.status, exitCodes.usage);
    assert.match(missing.stderr, /Cannot read the journal document .*nowhere\.json: ENOENT/);
  });

  it('imports an exported run into another database once', () => {
    const other = join(dir, 'other.config.ts');
    writeFileSync(other, `export default { driver: 'local', local: { path: ${JSON.stringify(join(dir, 'other.db'))} } };\n`);
    const file = join(dir, 'run-ada.journal.json');
    const first = spawnSync(process.execPath, [bin, '--config', other, 'import', file], { encoding: 'utf8' });
    assert.equal(first.status, exitCodes.ok, first.stderr);
    assert.match(first.stdout, /imported run-ada on local, now pending/);
    const again = spawnSync(process.execPath, [bin, '--config', other, 'import', file], { encoding: 'utf8' });
    assert.match(again.stdout, /already here: run-ada/);
  });

  it('forks a run at a step, and names the steps when the step does not exist', async () => {
    const fork = ratchet('fork', 'run-ada', '--at', 'signal:approval:send#1', '--run-id', 'ada-again');
    assert.equal(fork.status, exitCodes.ok, fork.stderr);
    assert.match(fork.stdout, /forked run-ada at step 1 as ada-again on local/);
    const client = await createClient(driver);
    while ((await client.describe('ada-again')).status !== 'waiting') await new Promise((resolve) => setTimeout(resolve, 10));
    assert.match(ratchet('show', 'ada-again').stdout, /step:greet#1 +completed +carried over/);
    await client.close();
    const missing = ratchet('fork', 'run-ada', '--at', 'llm:nope#1');
    assert.equal(missing.status, exitCodes.failed);
    assert.match(missing.stderr, /has no step "llm:nope#1" to fork at; its journal holds step:greet#1, signal:approval:send#1/);
  });

  it('refuses to migrate to an unknown driver or onto the engine the run is on, stopping nothing', async () => {
    const unknown = ratchet('migrate', 'ada-again', '--to', 'kafka');
    assert.equal(unknown.status, exitCodes.config);
    assert.match(unknown.stderr, /Driver "kafka" needs the package @ratchet\/driver-kafka, which is not installed/);
    const same = ratchet('migrate', 'ada-again', '--to', 'local');
    assert.equal(same.status, exitCodes.failed);
    assert.match(same.stderr, /already exists on the target local .*nothing was stopped/);
    const client = await createClient(driver);
    assert.equal((await client.describe('ada-again')).status, 'waiting');
    await client.close();
  });

  it('says plainly when a run does not exist, with its own exit code', () => {
    const show = ratchet('show', 'no-such-run');
    assert.equal(show.status, exitCodes.runNotFound);
    assert.equal(show.stderr, 'ratchet: No run with id "no-such-run"\n');
  });

  it('names the package an unknown driver in the config needs', () => {
    const bad = join(dir, 'bad.config.ts');
    writeFileSync(bad, `export default { driver: 'kafka' };\n`);
    const runs = spawnSync(process.execPath, [bin, '--config', bad, 'runs'], { encoding: 'utf8' });
    assert.equal(runs.status, exitCodes.config);
    assert.match(runs.stderr, /Driver "kafka" needs the package @ratchet\/driver-kafka, which is not installed/);
  });

  it('rejects an unknown command with usage help', () => {
    const result = ratchet('frobnicate');
    assert.equal(result.status, exitCodes.usage);
    assert.match(result.stderr, /unknown command 'frobnicate'/);
  });

  it("names the engine's address when nothing answers there, with its own exit code", async () => {
    // A port nothing listens on: what a user sees when the Restate server is down.
    const port = await getPort({ host: '127.0.0.1' });
    const down = join(dir, 'restate-down.config.ts');
    writeFileSync(down, `export default { driver: 'restate', restate: { ingressUrl: 'http://127.0.0.1:${port}', adminUrl: 'http://127.0.0.1:${port}' } };\n`);
    const result = spawnSync(process.execPath, [bin, '--config', down, 'runs'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, exitCodes.engineRequest, result.stderr);
    assert.match(result.stderr, new RegExp(`Restate \\(admin API\\) at http://127\\.0\\.0\\.1:${port} did not answer POST /query \\(ECONNREFUSED\\): is the server running there\\?`));
    assert.doesNotMatch(result.stderr, /unexpected error|at .*\.ts:\d+/);
  });

  it('names the Temporal address when nothing answers there, within the connect timeout the config sets', async () => {
    const port = await getPort({ host: '127.0.0.1' });
    const down = join(dir, 'temporal-down.config.ts');
    writeFileSync(down, `export default { driver: 'temporal', temporal: { address: '127.0.0.1:${port}', connectTimeoutMs: 500 } };\n`);
    // Killed at 9 s, short of the SDK's own 10 s: only the configured 0.5 s lets it answer in time.
    const result = spawnSync(process.execPath, [bin, '--config', down, 'runs'], { encoding: 'utf8', timeout: 9_000 });
    assert.equal(result.status, exitCodes.engineRequest, result.stderr);
    assert.match(result.stderr, new RegExp(`Temporal at 127\\.0\\.0\\.1:${port} did not answer a connection \\(Failed to connect before the deadline\\): is the server running there\\?`));
  });

  it('reads a sealed run in clear with the codec the config names, and names the key where it is missing', async () => {
    const sealedDb = join(dir, 'sealed.db');
    const key = randomBytes(32).toString('hex');
    const codec = { current: 'ops-1', keys: { 'ops-1': key } };
    const sealedDriver = localDriver({ path: sealedDb, leaseMs: 1_000, pollIntervalMs: 10, codec });
    const worker = await createWorker(sealedDriver, { agents: [agent], implementations: [implement(greet, { execute: async ({ name }) => `hello ${name}` })] });
    await worker.start();
    const client = await createClient(sealedDriver);
    await client.start(agent, { name: 'grace' }, { runId: 'run-grace' });
    while ((await client.describe('run-grace')).status !== 'waiting') await new Promise((resolve) => setTimeout(resolve, 10));
    await client.close();
    await worker.stop();
    // Closed, the database has taken its write-ahead log back in.
    assert.doesNotMatch(readFileSync(sealedDb, 'latin1'), /hello grace|"grace"/);

    // The key comes from the environment, as a config would take it in production.
    const keyed = join(dir, 'sealed.config.ts');
    writeFileSync(keyed, `export default { driver: 'local', local: { path: ${JSON.stringify(sealedDb)}, codec: { current: 'ops-1', keys: { 'ops-1': process.env.RATCHET_TEST_KEY } } } };\n`);
    const run = (configFile: string, ...args: string[]) => spawnSync(process.execPath, [bin, '--config', configFile, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, RATCHET_TEST_KEY: key } });
    const journal = run(keyed, '--json', 'journal', 'run-grace');
    assert.equal(journal.status, exitCodes.ok, journal.stderr);
    assert.deepEqual((JSON.parse(journal.stdout) as { stepId: string; output: unknown }[]).map((entry) => [entry.stepId, entry.output]), [['step:greet#1', 'hello grace']]);
    assert.doesNotMatch(journal.stdout + journal.stderr, new RegExp(key), 'the key is never printed');

    const keyless = join(dir, 'keyless.config.ts');
    writeFileSync(keyless, `export default { driver: 'local', local: { path: ${JSON.stringify(sealedDb)} } };\n`);
    const refused = run(keyless, 'show', 'run-grace');
    assert.equal(refused.status, exitCodes.unreadablePayload, refused.stderr);
    assert.match(refused.stderr, /^ratchet: A payload is sealed with key "ops-1", and this client, reading .* has no codec: configure the driver's `codec` with that key/);
  });
});
