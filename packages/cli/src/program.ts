import { Command, Option } from 'commander';
import { RatchetError, terminalStatuses, type RatchetClient } from '@ratchet/core';
import { createDriverFromConfig, loadConfig } from '@ratchet/core/config';
import { exitCodes } from './exit-codes.ts';
import { formatRun, formatRuns } from './format-run.ts';
import { formatTimeline } from './format-timeline.ts';
import { follow, type Frame } from './follow.ts';
import { addInitCommand } from './init-command.ts';
import { addMovingCommands } from './moving-commands.ts';
import { positiveInteger } from './option-parsers.ts';

interface GlobalOptions {
  config: string;
  json: boolean;
}

/**
 * The `ratchet` command line: reads `ratchet.config.ts`, talks to the configured driver, prints for
 * people by default and JSON with `--json`.
 */
export function createProgram(io: CliIo = defaultIo): Command {
  const program = new Command('ratchet')
    .description('Scaffold a project, inspect and steer durable agent runs on any Ratchet driver')
    .addOption(new Option('-c, --config <path>', 'the config file').default('ratchet.config.ts').env('RATCHET_CONFIG'))
    .option('--json', 'print JSON for scripts', false)
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  const withClient = (action: (client: RatchetClient, ...args: any[]) => Promise<unknown>, driver?: (...args: any[]) => string | undefined) => async (...args: any[]) => {
    const options = program.opts<GlobalOptions>();
    const client = await connect(options.config, driver?.(...args));
    try {
      const result = await action(client, ...args);
      if (result !== undefined) io.out(`${typeof result === 'string' ? result : JSON.stringify(result, null, 2)}\n`);
    } finally {
      await client.close();
    }
  };
  const json = () => program.opts<GlobalOptions>().json;

  // Followed, each change is a frame: redrawn on a terminal, a new block (or a JSON line) otherwise.
  const following = (read: () => Promise<Frame>, intervalMs: number) => follow(read, { intervalMs, out: io.out, terminal: io.terminal && !json() });

  program
    .command('runs')
    .description('list runs, newest first, with their status')
    .option('-n, --limit <count>', 'how many', positiveInteger, 20)
    .option('-w, --watch', 'redraw the list as runs start, move on and end (until interrupted)')
    .option('--interval <ms>', 'how often --watch reads the runs', positiveInteger, 1_000)
    .action(withClient(async (client, options: { limit: number; watch?: boolean; interval: number }) => {
      if (!options.watch) {
        const runs = await client.listRuns({ limit: options.limit });
        return json() ? runs : formatRuns(runs);
      }
      await following(async () => {
        const runs = await client.listRuns({ limit: options.limit });
        return { text: json() ? JSON.stringify(runs) : formatRuns(runs), ended: false };
      }, options.interval);
    }));

  program
    .command('show <run>')
    .description('the run and its timeline: each step, executed or replayed, model, tokens, cost, duration')
    .option('-f, --follow', 'redraw the timeline as steps land, until the run ends (then exit as `result` does)')
    .option('--interval <ms>', 'how often --follow reads the run', positiveInteger, 500)
    .action(withClient(async (client, runId: string, options: { follow?: boolean; interval: number }) => {
      const read = async () => {
        const [run, journal] = await Promise.all([client.describe(runId), client.journal(runId)]);
        return { run, journal, text: `${formatRun(run)}\n\n${formatTimeline(journal, run.executions, run.seededSteps)}` };
      };
      if (!options.follow) {
        const { run, journal, text } = await read();
        return json() ? { run, journal } : text;
      }
      await following(async () => {
        const { run, journal, text } = await read();
        return { text: json() ? JSON.stringify({ run, journal }) : text, ended: terminalStatuses.has(run.status) };
      }, options.interval);
      // Ended: a failed, dead-lettered or migrated run exits as `result` would, with its message.
      await client.result(runId);
    }));

  program
    .command('journal <run>')
    .description("the run's journal, read back from the engine in Ratchet's common entries")
    .action(withClient(async (client, runId: string) => {
      const journal = await client.journal(runId);
      return json() ? journal : journal.map((entry) => `${entry.position}\t${entry.stepId}\t${entry.status}\t${JSON.stringify(entry.output ?? entry.error ?? null)}`).join('\n');
    }));

  program
    .command('signal <run> <name> [payload]')
    .description('send a signal; the payload is JSON')
    .action(withClient(async (client, runId: string, name: string, payload: string | undefined) => {
      await client.signal(runId, name, payload === undefined ? null : parseJson(payload));
      return json() ? { runId, signal: name } : `signalled ${name} to ${runId}`;
    }));

  for (const [verb, approved] of [['approve', true], ['reject', false]] as const) {
    program
      .command(`${verb} <run> <name>`)
      .description(`${verb} a pending ctx.approval(name)`)
      .option('--by <who>', 'who decided')
      .option('--comment <text>', 'why')
      .action(withClient(async (client, runId: string, name: string, options: { by?: string; comment?: string }) => {
        await (approved ? client.approve(runId, name, options) : client.reject(runId, name, options));
        return json() ? { runId, approval: name, approved } : `${approved ? 'approved' : 'rejected'} ${name} on ${runId}`;
      }));
  }

  program
    .command('redrive <run>')
    .description('resume a dead-lettered run at the step it stopped at')
    .action(withClient(async (client, runId: string) => {
      await client.redrive(runId);
      const run = await client.describe(runId);
      return json() ? run : `redriven ${runId}: now ${run.status}`;
    }));

  addMovingCommands(program, { withClient, json, connect: (driver) => connect(program.opts<GlobalOptions>().config, driver) });
  addInitCommand(program, { out: io.out, json });

  return program;
}

/** Runs the program and turns Ratchet errors into a message and an exit code, never a stack trace. */
export async function runCli(argv: string[], io = defaultIo): Promise<number> {
  const program = createProgram(io).exitOverride();
  // Subcommands copy settings when they are created, so each needs its own override: otherwise a
  // bad option of a subcommand (an unknown `init --driver`) exits 1 from inside commander, not 2.
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCodes.ok;
  } catch (error) {
    if (isCommanderExit(error)) return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    if (RatchetError.isInstance(error)) {
      io.err(`ratchet: ${error.message}\n`);
      if (error.kind === 'run-not-found') return exitCodes.runNotFound;
      if (error.kind === 'config') return exitCodes.config;
      if (error.kind === 'journal-document') return exitCodes.invalidDocument;
      if (error.kind === 'usage') return exitCodes.usage;
      if (error.kind === 'run-migrated') return exitCodes.runMigrated;
      if (error.kind === 'engine-request') return exitCodes.engineRequest;
      if (error.kind === 'run-ended') return exitCodes.runEnded;
      if (error.kind === 'payload-key' || error.kind === 'payload-store') return exitCodes.unreadablePayload;
      return exitCodes.failed;
    }
    io.err(`ratchet: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return exitCodes.unexpected;
  }
}

/** A client for the configured driver, or for another driver whose options are in the same config. */
async function connect(configPath: string, driver?: string): Promise<RatchetClient> {
  const { createClient } = await import('@ratchet/core');
  const config = await loadConfig(configPath);
  return createClient(await createDriverFromConfig(driver === undefined ? config : { ...config, driver: driver as typeof config.driver }));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // a bare word is a string payload
  }
}

function isCommanderExit(error: unknown): error is { exitCode: number } {
  return typeof error === 'object' && error !== null && 'exitCode' in error && 'code' in error && String((error as { code: unknown }).code).startsWith('commander.');
}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether output is a terminal, where `--follow` and `--watch` redraw in place. */
  terminal: boolean;
}

const defaultIo: CliIo = {
  out: (text: string) => process.stdout.write(text),
  err: (text: string) => process.stderr.write(text),
  terminal: process.stdout.isTTY === true,
};
