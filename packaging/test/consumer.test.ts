// A user's project, as a user meets Ratchet: every public package packed with `npm pack`, installed
// from the tarballs (and the registry for everything else) into a new project in a temporary folder,
// typechecked with tsc against the published declarations, and run with plain `node` on the local
// driver (its worker SIGKILLed mid-run) and then, unchanged, on Temporal, Restate and Inngest with
// only `driver` switched in its ratchet.config.ts. The installed CLI inspects and steers the runs.
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startInngestServer } from '@ratchet/driver-inngest';
import { freePort, startRestateServer } from '@ratchet/driver-restate/server';
import { startTemporalServer } from '@ratchet/driver-temporal';
import { killWhen, startModelServer, startWorldService, stopAll, type AppliedEffect, type ModelServer, type WorldService } from '@ratchet/testing';
import { createConsumerProject, type ConsumerProject } from '../harness/consumer-project.ts';
import { packPublicPackages, type PackedPackage } from '../harness/pack-packages.ts';
import { repoRoot } from '../harness/public-packages.ts';

const fixture = join(repoRoot, 'packaging', 'fixtures', 'consumer');
// Registry packages the user adds beside Ratchet: the versions this repo is tested with.
const registryPackages = ['zod@^4.6.7', 'typescript@~5.9.3', '@types/node@^24.19.2'];

describe('Ratchet installed from its tarballs in a project outside the repo', { timeout: 900_000 }, () => {
  const packs = mkdtempSync(join(tmpdir(), 'ratchet-consumer-packs-'));
  let packed: PackedPackage[] = [];
  let project: ConsumerProject;
  let world: WorldService;
  let models: ModelServer;
  const stops: (() => Promise<void>)[] = [];

  before(async () => {
    packed = await packPublicPackages(packs);
    project = createConsumerProject({ copyFrom: fixture });
    [world, models] = await Promise.all([startWorldService(), startModelServer()]);
    await project.runOk('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...packed.map((found) => found.tarball), ...registryPackages], { timeoutMs: 600_000 });
  }, { timeout: 900_000 });

  after(async () => {
    await stopAll();
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await Promise.all([world?.close(), models?.close()]);
    project?.remove();
    rmSync(packs, { recursive: true, force: true });
  });

  const appEnv = (extra: Record<string, string> = {}) => ({
    NOTEBOOK_URL: world.url,
    OPENAI_API_KEY: 'local-model-server',
    OPENAI_BASE_URL: models.openaiBaseURL,
    ...extra,
  });
  const useDriver = (driver: string) => {
    const file = join(project.dir, 'ratchet.config.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/driver: '[a-z]+'/, `driver: '${driver}'`));
  };
  const ratchet = (args: string[], env: Record<string, string>) => project.runOk('npx', ['ratchet', ...args], { env: appEnv(env) });
  const waitForStatus = async (runId: string, status: string, env: Record<string, string>) => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const shown = JSON.parse((await ratchet(['--json', 'show', runId], env)).stdout) as { run: { status: string } };
      if (shown.run.status === status) return;
      if (Date.now() > deadline) throw new Error(`run ${runId} is ${shown.run.status}, not ${status}, after 120 s`);
      await sleep(250);
    }
  };
  const notesFor = (topic: string) => world.effectsOfType('note.saved').filter((effect) => (effect.payload as { title: string }).title === topic);

  test('every @ratchet package is installed from its tarball, as files, not linked into this repo', () => {
    for (const { name } of packed) {
      const installed = join(project.dir, 'node_modules', name);
      assert.ok(!lstatSync(installed).isSymbolicLink(), `${name} is a symlink`);
      assert.ok(!realpathSync(installed).startsWith(repoRoot), `${name} resolves into the repo`);
      const manifest = JSON.parse(readFileSync(join(project.dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      assert.match(manifest.dependencies[name] ?? '', /^file:.*\.tgz$/, `${name} is not a tarball dependency`);
    }
  });

  test('tsc typechecks the agent, worker, client and ratchet.config.ts against the published declarations', async () => {
    const result = await project.run('npx', ['tsc', '-p', 'tsconfig.json']);
    assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
  });

  test('the installed CLI answers --help', async () => {
    const help = await project.runOk('npx', ['ratchet', '--help']);
    for (const command of ['runs', 'show', 'approve', 'migrate']) assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
  });

  test('local: the worker is SIGKILLed after the note is saved, a second worker finishes the run; nothing is asked or saved twice', async () => {
    useDriver('local');
    const env = { RATCHET_DB: join(project.dir, '.ratchet', 'runs.db') };
    const runId = 'notes-local';
    const topic = 'idempotency keys on local';
    const asked = models.countFor();
    const first = project.spawnNode('src/worker.ts', { env: appEnv(env), name: 'local-worker-1' });
    await first.waitForOutput(/worker ready/, 60_000);
    const killed = killWhen<AppliedEffect>((listener) => world.on('effect', listener), (effect) => effect.type === 'note.saved', first);
    await project.runOk('node', ['src/client.ts', 'start', runId, topic], { env: appEnv(env) });
    await killed;
    assert.equal((await first.exited).signal, 'SIGKILL');

    const second = project.spawnNode('src/worker.ts', { env: appEnv(env), name: 'local-worker-2' });
    await second.waitForOutput(/worker ready/, 60_000);
    await waitForStatus(runId, 'waiting', env);
    await ratchet(['approve', runId, 'publish', '--by', 'dana'], env);
    const output = JSON.parse((await project.runOk('node', ['src/client.ts', 'result', runId, topic], { env: appEnv(env) })).stdout) as { noteId: string; approvedBy: string };
    assert.equal(output.approvedBy, 'dana');
    assert.equal(notesFor(topic).length, 1, 'the note was saved more than once');
    assert.equal(output.noteId, notesFor(topic)[0]!.id);
    assert.equal(models.countFor() - asked, 1, 'the summary was asked for more than once');

    const runs = await ratchet(['runs'], env);
    assert.match(runs.stdout, new RegExp(`${runId}.*completed`));
    const shown = await ratchet(['show', runId], env);
    assert.match(shown.stdout, /tool:save_note#1/);
    assert.match(shown.stdout, /replayed/);
    await second.kill('SIGTERM');
  });

  test('npx ratchet init scaffolds a project that npm install (from the tarballs) and npm start finish', async () => {
    const scaffolded = join(project.dir, 'scaffolded');
    await project.runOk('npx', ['ratchet', 'init', 'scaffolded']);
    const manifest = JSON.parse(readFileSync(join(scaffolded, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.deepEqual(Object.keys(manifest.dependencies).filter((name) => name.startsWith('@ratchet/')).sort(), ['@ratchet/cli', '@ratchet/core', '@ratchet/driver-local', '@ratchet/providers']);
    // The registry has no @ratchet release from this tree: the tarballs stand in for it.
    const tarballs = packed.filter((found) => found.name in manifest.dependencies).map((found) => found.tarball);
    await project.runOk('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: scaffolded, timeoutMs: 600_000 });
    const asked = models.countFor();
    const started = await project.runOk('npm', ['start'], { cwd: scaffolded, env: appEnv(), timeoutMs: 180_000 });
    assert.match(started.stdout, /approved save-note/);
    assert.match(started.stdout, /npx ratchet show /);
    assert.equal(models.countFor() - asked, 1);
    const typecheck = await project.run('npm', ['run', 'typecheck'], { cwd: scaffolded });
    assert.equal(typecheck.code, 0, `${typecheck.stdout}${typecheck.stderr}`);
  });

  const engines: Record<string, () => Promise<Record<string, string>>> = {
    async temporal() {
      const server = await startTemporalServer();
      stops.push(() => server.stop());
      return { TEMPORAL_ADDRESS: server.address };
    },
    async restate() {
      const [server, endpointPort] = await Promise.all([startRestateServer(), freePort()]);
      stops.push(() => server.stop());
      return { RESTATE_INGRESS_URL: server.ingressUrl, RESTATE_ADMIN_URL: server.adminUrl, RESTATE_ENDPOINT_PORT: String(endpointPort) };
    },
    async inngest() {
      const [server, servePort] = await Promise.all([startInngestServer({ retryIntervalSeconds: 1, tickMs: 10 }), freePort()]);
      stops.push(() => server.stop());
      return { INNGEST_BASE_URL: server.baseUrl, INNGEST_SIGNING_KEY: server.signingKey, INNGEST_EVENT_KEY: server.eventKey, INNGEST_SERVE_PORT: String(servePort) };
    },
  };

  for (const [driver, startEngine] of Object.entries(engines)) {
    test(`${driver}: the same agent, unchanged, with only driver switched in ratchet.config.ts`, async () => {
      const env = await startEngine();
      useDriver(driver);
      const runId = `notes-${driver}`;
      const topic = `idempotency keys on ${driver}`;
      const asked = models.countFor();
      const worker = project.spawnNode('src/worker.ts', { env: appEnv(env), name: `${driver}-worker` });
      await worker.waitForOutput(/worker ready/, 120_000);
      await project.runOk('node', ['src/client.ts', 'start', runId, topic], { env: appEnv(env) });
      await waitForStatus(runId, 'waiting', env);
      await ratchet(['approve', runId, 'publish', '--by', 'dana'], env);
      const output = JSON.parse((await project.runOk('node', ['src/client.ts', 'result', runId, topic], { env: appEnv(env) })).stdout) as { noteId: string; approvedBy: string };
      assert.equal(output.approvedBy, 'dana');
      assert.equal(notesFor(topic).length, 1);
      assert.equal(models.countFor() - asked, 1);
      const shown = await ratchet(['show', runId], env);
      assert.match(shown.stdout, /completed/);
      assert.match(shown.stdout, /tool:save_note#1/);
      await worker.kill('SIGTERM');
    });
  }
});
