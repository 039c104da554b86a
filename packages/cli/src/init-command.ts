import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '@ratchet/core';
import { packageNameFor, projectFiles, scaffoldDrivers, type ProjectFile } from './project-template.ts';

/**
 * `ratchet init` found files it would overwrite. A usage error (exit 2): nothing was written, and
 * `--force` overwrites them.
 */
export class ProjectFilesExistError extends UsageError {
  readonly files: string[];

  constructor(dir: string, files: string[]) {
    super(`${dir} already has ${files.join(', ')}; nothing was written (--force overwrites ${files.length === 1 ? 'it' : 'them'})`, { dir, files });
    this.name = 'ProjectFilesExistError';
    this.files = files;
  }
}

/** `init`: scaffolds a project a person can run with `npm install && npm start`. */
export function addInitCommand(program: Command, context: { out: (text: string) => void; json(): boolean }): void {
  program
    .command('init [dir]')
    .description('scaffold a project: an agent with a completion, a tool and an approval, its worker, a start script and ratchet.config.ts')
    .addOption(new Option('--driver <name>', 'the engine ratchet.config.ts names').choices(scaffoldDrivers).default('local'))
    .option('--force', 'overwrite files that are already there', false)
    .action((dir: string | undefined, options: { driver: string; force: boolean }) => {
      const root = resolve(dir ?? '.');
      const files = projectFiles({ name: packageNameFor(basename(root)), driver: options.driver });
      const overwritten = writeProject(root, files, options.force);
      if (context.json()) {
        context.out(`${JSON.stringify({ dir: root, driver: options.driver, files: files.map((file) => file.path), overwritten }, null, 2)}\n`);
        return;
      }
      const next = [...(dir === undefined || root === resolve('.') ? [] : [`cd ${shellQuote(dir)}`]), 'npm install', 'npm start'].join(' && ');
      context.out(
        [
          `Wrote a Ratchet project for the ${options.driver} driver in ${root}:`,
          ...files.map((file) => `  ${file.path}${overwritten.includes(file.path) ? '  (overwritten)' : ''}`),
          '',
          'Next:',
          `  ${next}`,
          '',
          `npm start needs OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible endpoint)${options.driver === 'local' ? '' : ` and a running ${options.driver} server (README.md)`}.`,
          '',
        ].join('\n'),
      );
    });
}

/** Writes every file or none: files already there are refused unless `force`. Returns the overwritten ones. */
function writeProject(root: string, files: ProjectFile[], force: boolean): string[] {
  if (existsSync(root) && !statSync(root).isDirectory()) throw new UsageError(`${root} is a file, not a directory`);
  const existing = files.filter((file) => existsSync(join(root, file.path))).map((file) => file.path);
  if (existing.length > 0 && !force) throw new ProjectFilesExistError(root, existing);
  for (const file of files) {
    const path = join(root, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
  return existing;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
