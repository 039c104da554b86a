import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { forkRun, formatPortableJournal, migrateRun, UsageError, type RatchetClient } from '@ratchet/core';
import { positiveInteger } from './option-parsers.ts';
import { startProgress } from './progress.ts';

export interface CommandContext {
  /** Runs `action` with a client for the configured driver, or for `driver` from the same config. */
  withClient(action: (client: RatchetClient, ...args: any[]) => Promise<unknown>, driver?: (...args: any[]) => string | undefined): (...args: any[]) => Promise<void>;
  connect(driver?: string): Promise<RatchetClient>;
  json(): boolean;
}

/** `export`, `import`, `migrate` and `fork`: moving runs between engines through the portable journal. */
export function addMovingCommands(program: Command, context: CommandContext): void {
  const { withClient, connect, json } = context;

  program
    .command('export <run>')
    .description('write the run as a portable journal document (docs/journal-format.md)')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .action(withClient(async (client, runId: string, options: { out?: string }) => {
      const text = formatPortableJournal(await client.export(runId));
      if (!options.out) return text.trimEnd();
      writeFileSync(options.out, text);
      return json() ? { runId, file: options.out } : `exported ${runId} to ${options.out}`;
    }));

  program
    .command('import <file>')
    .description('continue an exported run here, under its run id: its journaled steps are not run again ("-" reads stdin)')
    .option('--driver <name>', 'import into this driver of the config instead of the configured one')
    .action(withClient(async (client, file: string) => {
      const text = readDocument(file);
      const handle = await client.import(text);
      const run = await client.describe(handle.runId);
      return json()
        ? { runId: handle.runId, created: handle.created, status: run.status, driver: client.driver }
        : `${handle.created ? 'imported' : 'already here:'} ${handle.runId} on ${client.driver}, now ${run.status}`;
    }, (_file: string, options: { driver?: string }) => options.driver));

  program
    .command('migrate <run>')
    .description('move an in-flight run to another driver of the config: it stops at a safe point here and resumes there')
    .requiredOption('--to <driver>', 'the driver to move it to (its options come from the config)')
    .option('--timeout <ms>', 'how long to wait for a worker to stop the run', positiveInteger, 120_000)
    .action(withClient(async (from, runId: string, options: { to: string; timeout: number }) => {
      const to = await connect(options.to);
      const progress = startProgress(`migrating ${runId} from ${from.driver} to ${options.to}`, !json());
      try {
        const moved = await migrateRun(from, to, runId, { timeoutMs: options.timeout, onProgress: (_phase, detail) => progress.update(detail) });
        const run = await to.describe(runId);
        const summary = `${moved.created ? 'moved' : 'already moved:'} ${runId} from ${moved.from} to ${moved.to}, ${moved.steps} journaled step(s) carried over; now ${run.status}`;
        progress.done(summary);
        return json() ? { runId, from: moved.from, to: moved.to, steps: moved.steps, created: moved.created, status: run.status, openWait: moved.journal.openWait ?? null } : summary;
      } catch (error) {
        progress.fail(`migration of ${runId} stopped`);
        throw error;
      } finally {
        await to.close();
      }
    }));

  program
    .command('fork <run>')
    .description('start a new run from this one, answering its steps before --at from the journal')
    .requiredOption('--at <step>', 'the first step the fork runs itself: a step id (llm:draft#1) or a position')
    .option('--run-id <id>', "the fork's run id (default <run>~fork-<position>)")
    .option('--into <driver>', 'run the fork on this driver of the config (default: the same one)')
    .action(withClient(async (source, runId: string, options: { at: string; runId?: string; into?: string }) => {
      const into = options.into ? await connect(options.into) : source;
      try {
        const at = /^\d+$/.test(options.at) ? Number(options.at) : options.at;
        const fork = await forkRun(source, runId, { at, ...(options.runId ? { runId: options.runId } : {}), into });
        return json()
          ? { runId: fork.runId, from: fork.from, at: fork.at, driver: into.driver }
          : `forked ${fork.from} at step ${fork.at} as ${fork.runId} on ${into.driver}: steps 0..${fork.at - 1} answered from the journal`;
      } finally {
        if (into !== source) await into.close();
      }
    }));
}

/** The document's text from a file or stdin (`-`); a file that cannot be read is a usage error, not a crash. */
function readDocument(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the journal document ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
