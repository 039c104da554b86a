import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = new URL('../../', import.meta.url).pathname;

export interface PublicPackage {
  name: string;
  version: string;
  /** The workspace folder, relative to the repo root (`packages/core`). */
  workspace: string;
}

/** Every workspace under packages/ that is not private: what a release publishes. */
export function publicPackages(): PublicPackage[] {
  return readdirSync(join(repoRoot, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => {
      const workspace = `packages/${entry.name}`;
      const manifest = JSON.parse(readFileSync(join(repoRoot, workspace, 'package.json'), 'utf8')) as { name: string; version: string; private?: boolean };
      return { name: manifest.name, version: manifest.version, workspace, private: manifest.private === true };
    })
    .filter((found) => !found.private)
    .map(({ name, version, workspace }) => ({ name, version, workspace }));
}
