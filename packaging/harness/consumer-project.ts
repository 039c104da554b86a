import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnWorker, type WorkerProcess } from '@ratchet/testing';
import { repoRoot } from './public-packages.ts';
import { runCommand, type CommandResult } from './run-command.ts';

/**
 * A user's project in a temporary folder outside the repo: no workspace, no link into this repo,
 * the Ratchet packages installed from their tarballs and everything else from the registry. Its
 * commands run as a user's would: with the repo's Node 24 as `node`, without the `@ratchet/source`
 * condition the repo sets (which would point Node at sources a tarball does not resolve to).
 */
export interface ConsumerProject {
  readonly dir: string;
  /** Runs a command in the project (or `cwd` inside it); resolves with its exit code and output. */
  run(command: string, args: string[], options?: { env?: Record<string, string>; cwd?: string; timeoutMs?: number }): Promise<CommandResult>;
  /** Like `run`, but rejects with the output when the command fails. */
  runOk(command: string, args: string[], options?: { env?: Record<string, string>; cwd?: string; timeoutMs?: number }): Promise<CommandResult>;
  /** Starts `node <entry>` in the project as a killable process. */
  spawnNode(entry: string, options?: { env?: Record<string, string>; name?: string; cwd?: string }): WorkerProcess;
  /** The environment its commands run with, `extra` merged in. */
  env(extra?: Record<string, string>): Record<string, string>;
  remove(): void;
}

export function createConsumerProject(options: { copyFrom?: string } = {}): ConsumerProject {
  const root = mkdtempSync(join(tmpdir(), 'ratchet-consumer-'));
  const dir = join(root, 'project');
  mkdirSync(dir);
  if (options.copyFrom) cpSync(options.copyFrom, dir, { recursive: true });
  // `node` on PATH is the Node running this test (24); nothing else of the repo's node_modules/.bin.
  const bin = join(root, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));

  const env = (extra: Record<string, string> = {}): Record<string, string> => {
    const { NODE_OPTIONS: _sourceCondition, NODE_TEST_CONTEXT: _testContext, npm_config_node_options: _npmNodeOptions, ...rest } = process.env;
    const clean = Object.fromEntries(
      Object.entries(rest).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('npm_')),
    );
    // npm scripts put this repo's node_modules/.bin on PATH: a user's project never sees those.
    const path = (process.env.PATH ?? '').split(':').filter((entry) => entry && !entry.startsWith(repoRoot));
    return { ...clean, PATH: [bin, ...path].join(':'), NODE_OPTIONS: '', ...extra };
  };

  const run: ConsumerProject['run'] = (command, args, runOptions = {}) =>
    runCommand(command, args, { cwd: runOptions.cwd ?? dir, env: env(runOptions.env), ...(runOptions.timeoutMs ? { timeoutMs: runOptions.timeoutMs } : {}) });

  return {
    dir,
    run,
    async runOk(command, args, runOptions) {
      const result = await run(command, args, runOptions);
      if (result.code !== 0) {
        throw new Error(`\`${command} ${args.join(' ')}\` exited ${result.code} in ${runOptions?.cwd ?? dir}\n${result.stdout}\n${result.stderr}`);
      }
      return result;
    },
    spawnNode(entry, spawnOptions = {}) {
      return spawnWorker(entry, { cwd: spawnOptions.cwd ?? dir, env: env(spawnOptions.env), ...(spawnOptions.name ? { name: spawnOptions.name } : {}) });
    },
    env,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
