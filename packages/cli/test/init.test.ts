import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { createDriverFromConfig, driverPackageName, loadConfig } from '@ratchet/core/config';
import { startModelServer } from '@ratchet/testing';
import { exitCodes } from '../src/index.ts';
import { scaffoldDrivers } from '../src/project-template.ts';

const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const cliVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
// The repo's node_modules, where every @ratchet package is a link to its folder in packages/.
const repoModules = fileURLToPath(new URL('../../../node_modules', import.meta.url));
const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));

describe('ratchet init', () => {
  // Projects are written outside the repo; they find @ratchet/* through this link, and Node runs
  // their TypeScript sources because the links resolve to paths outside any node_modules.
  const root = mkdtempSync(join(tmpdir(), 'ratchet-init-'));
  symlinkSync(repoModules, join(root, 'node_modules'), 'dir');
  after(() => rmSync(root, { recursive: true, force: true }));
  const ratchet = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  const filesIn = (dir: string) =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(dir, join(entry.parentPath, entry.name)).replaceAll('\\', '/'))
      .sort();

  for (const driver of scaffoldDrivers) {
    it(`scaffolds a project for the ${driver} driver whose config builds that driver`, async () => {
      const result = ratchet('--json', 'init', driver, '--driver', driver);
      assert.equal(result.status, exitCodes.ok, result.stderr);
      const dir = join(root, driver);
      const report = JSON.parse(result.stdout) as { dir: string; driver: string; files: string[]; overwritten: string[] };
      assert.deepEqual([report.dir, report.driver, report.overwritten], [dir, driver, []]);
      assert.deepEqual([...report.files].sort(), filesIn(dir), 'it reports exactly the files it wrote');
      assert.deepEqual(filesIn(dir), ['.gitignore', 'README.md', 'package.json', 'ratchet.config.ts', 'src/agent.ts', 'src/start.ts', 'src/worker.ts', 'tsconfig.json']);

      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      assert.equal(pkg.name, driver);
      assert.equal(pkg.private, true);
      assert.equal(pkg.type, 'module');
      assert.deepEqual(pkg.scripts, { start: 'node src/start.ts', worker: 'node src/worker.ts', typecheck: 'tsc --noEmit' });
      const ratchetRange = `^${cliVersion}`;
      assert.deepEqual(pkg.dependencies, {
        '@ratchet/cli': ratchetRange,
        '@ratchet/core': ratchetRange,
        '@ratchet/providers': ratchetRange,
        [driverPackageName({}, driver)]: ratchetRange,
        zod: pkg.dependencies.zod,
      });
      assert.match(pkg.dependencies.zod, /^\^4\./);
      assert.match(pkg.devDependencies.typescript, /^~5\.9/);
      assert.match(pkg.devDependencies['@types/node'], /^\^24\./);
      assert.match(readFileSync(join(dir, '.gitignore'), 'utf8'), /^node_modules\n\.ratchet\n$/);

      // The drivers check their options strictly: a misspelt option would be a ConfigError here.
      const config = await loadConfig(join(dir, 'ratchet.config.ts'));
      assert.equal(config.driver, driver);
      assert.equal((await createDriverFromConfig(config)).name, driver);
      if (driver === 'temporal') {
        // Relative agent modules resolve from the directory the worker starts in: the project root.
        const modules = (config.temporal as { agentModules: string[] }).agentModules;
        assert.deepEqual(modules.map((path) => resolve(dir, path)), [join(dir, 'src/agent.ts')]);
      }
      const agent = readFileSync(join(dir, 'src/agent.ts'), 'utf8');
      assert.deepEqual([...agent.matchAll(/^import .* from '([^']+)';$/gm)].map((match) => match[1]), ['zod', '@ratchet/core'], 'the agent module stays bundleable into a Temporal workflow');
    });
  }

  it('prints the files and the next commands', () => {
    const result = ratchet('init', 'my agent');
    assert.equal(result.status, exitCodes.ok, result.stderr);
    assert.match(result.stdout, /^Wrote a Ratchet project for the local driver in .*my agent:\n {2}\.gitignore\n/);
    assert.match(result.stdout, /\n {2}src\/agent\.ts\n/);
    assert.match(result.stdout, /\n {2}cd 'my agent' && npm install && npm start\n/);
    assert.equal(JSON.parse(readFileSync(join(root, 'my agent', 'package.json'), 'utf8')).name, 'my-agent');
  });

  it('refuses to overwrite files that are there, naming them, and overwrites them with --force', () => {
    const dir = join(root, 'existing');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), '{"name":"mine"}\n');
    writeFileSync(join(dir, 'ratchet.config.ts'), 'export default {};\n');
    const refused = ratchet('init', 'existing');
    assert.equal(refused.status, exitCodes.usage);
    assert.match(refused.stderr, /^ratchet: .*existing already has package\.json, ratchet\.config\.ts; nothing was written \(--force overwrites them\)\n$/);
    assert.equal(readFileSync(join(dir, 'package.json'), 'utf8'), '{"name":"mine"}\n');
    assert.equal(existsSync(join(dir, 'src')), false, 'nothing was written');

    const forced = ratchet('init', 'existing', '--force');
    assert.equal(forced.status, exitCodes.ok, forced.stderr);
    assert.match(forced.stdout, / {2}package\.json {2}\(overwritten\)\n/);
    assert.equal(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name, 'existing');
    assert.ok(existsSync(join(dir, 'src/agent.ts')));
  });

  it('writes into a directory that has other files', () => {
    const dir = join(root, 'with-notes');
    mkdirSync(dir);
    writeFileSync(join(dir, 'NOTES.txt'), 'keep me\n');
    const result = ratchet('init', 'with-notes');
    assert.equal(result.status, exitCodes.ok, result.stderr);
    assert.equal(readFileSync(join(dir, 'NOTES.txt'), 'utf8'), 'keep me\n');
  });

  it('rejects an unknown driver with the valid ones, writing nothing', () => {
    const result = ratchet('init', 'kafka', '--driver', 'kafka');
    assert.equal(result.status, exitCodes.usage);
    assert.match(result.stderr, /argument 'kafka' is invalid\. Allowed choices are local, inngest, restate, temporal/);
    assert.equal(existsSync(join(root, 'kafka')), false);
  });

  describe('the local project', () => {
    const dir = join(root, 'runnable');

    it('typechecks against the Ratchet packages', () => {
      assert.equal(ratchet('init', 'runnable').status, exitCodes.ok);
      // Against the packages' TypeScript sources, so no build is needed.
      const check = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--customConditions', '@ratchet/source'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      assert.equal(check.status, 0, check.stdout + check.stderr);
    });

    it('npm start finishes a run with nothing but an OpenAI endpoint', async () => {
      const models = await startModelServer();
      try {
        const { stdout } = await promisify(execFile)(process.execPath, ['src/start.ts', 'idempotency keys'], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, OPENAI_API_KEY: 'local-model-server', OPENAI_BASE_URL: models.openaiBaseURL },
        });
        const runId = /run (\S+) started on the local driver/.exec(stdout)?.[1];
        assert.ok(runId, stdout);
        assert.match(stdout, /approved save-note as "start script"/);
        assert.match(stdout, /saved to \.ratchet\/notes\.md, approved by start script/);
        assert.match(stdout, new RegExp(`npx ratchet show ${runId}`));
        assert.equal(models.requests.filter((request) => request.status === 200).length, 1, 'one completion');

        const notes = readFileSync(join(dir, '.ratchet/notes.md'), 'utf8');
        assert.equal(notes.split(`<!-- ${runId}:tool:save_note#1 -->`).length, 2, 'the note is saved once, under its idempotency key');
        assert.match(notes, /## idempotency keys\n/);

        // The command it prints works from the project's folder, on the project's own config.
        const show = spawnSync(process.execPath, [bin, 'show', runId], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
        assert.equal(show.status, exitCodes.ok, show.stderr);
        assert.match(show.stdout, new RegExp(`${runId} {2}note-taker {2}completed`));
        assert.match(show.stdout, /llm:write-note#1 +completed/);
        assert.match(show.stdout, /signal:approval:save-note#1 +completed/);
        assert.match(show.stdout, /tool:save_note#1 +completed/);
      } finally {
        await models.close();
      }
    });
  });
});
