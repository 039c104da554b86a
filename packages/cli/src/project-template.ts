import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { driverPackageName } from '@ratchet/core/config';

// One folder below the package root both in src/ (the repo) and in dist/ (a published tarball).
const packageRoot = fileURLToPath(new URL('../', import.meta.url));
const templatesDir = join(packageRoot, 'templates');

/** The drivers `init` can scaffold for: one `templates/ratchet-config/<driver>.ts` each. */
export const scaffoldDrivers: readonly string[] = readdirSync(join(templatesDir, 'ratchet-config'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -'.ts'.length))
  .sort((a, b) => (a === 'local' ? -1 : b === 'local' ? 1 : a.localeCompare(b)));

/** A file of a scaffolded project: its path relative to the project, with `/` separators. */
export interface ProjectFile {
  path: string;
  content: string;
}

/**
 * The files of a new project: everything under `templates/project` (a leading `_` becomes `.`,
 * since npm pack leaves out `.gitignore`), the chosen driver's `templates/ratchet-config/<driver>.ts`
 * as `ratchet.config.ts`, and a `package.json` whose Ratchet ranges follow this CLI's version.
 */
export function projectFiles(options: { name: string; driver: string }): ProjectFile[] {
  const projectDir = join(templatesDir, 'project');
  const copied = readdirSync(projectDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const folder = relative(projectDir, entry.parentPath).split(sep).filter(Boolean);
      const path = [...folder, entry.name.replace(/^_/, '.')].join('/');
      return { path, content: readFileSync(join(entry.parentPath, entry.name), 'utf8') };
    });
  return [
    { path: 'package.json', content: `${JSON.stringify(packageJson(options), null, 2)}\n` },
    { path: 'ratchet.config.ts', content: readFileSync(join(templatesDir, 'ratchet-config', `${options.driver}.ts`), 'utf8') },
    ...copied,
  ].sort((a, b) => a.path.localeCompare(b.path));
}

/** A valid npm package name from a directory name (`My Agent` → `my-agent`). */
export function packageNameFor(directoryName: string): string {
  const name = directoryName.toLowerCase().replace(/[^a-z0-9._~-]+/g, '-').replace(/^[._-]+|-+$/g, '');
  return name || 'ratchet-agent';
}

function packageJson({ name, driver }: { name: string; driver: string }) {
  const ratchet = `^${cliVersion()}`;
  const ratchetPackages = ['@ratchet/cli', '@ratchet/core', '@ratchet/providers', driverPackageName({}, driver)];
  const dependencies = Object.fromEntries(
    [...ratchetPackages.map((name): [string, string] => [name, ratchet]), ['zod', '^4.0.0'] as [string, string]].sort(([a], [b]) => a.localeCompare(b)),
  );
  return {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    // Type stripping without a flag: the project's .ts files run as they are.
    engines: { node: '>=22.18' },
    scripts: { start: 'node src/start.ts', worker: 'node src/worker.ts', typecheck: 'tsc --noEmit' },
    dependencies,
    devDependencies: { '@types/node': '^24.0.0', typescript: '~5.9.3' },
  };
}

/** Read at run time, so a published CLI scaffolds projects on its own release line. */
function cliVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
