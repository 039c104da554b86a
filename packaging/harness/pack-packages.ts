import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { publicPackages, repoRoot, type PublicPackage } from './public-packages.ts';

export interface PackedPackage extends PublicPackage {
  /** Absolute path of the `.tgz`. */
  tarball: string;
  /** Paths inside the tarball, relative to its `package/` folder. */
  files: string[];
}

/**
 * `npm pack` of every public package into `destination`, as a release would publish them. The
 * packages must be built first (`npm run build`: npm test does it before any test runs).
 */
export async function packPublicPackages(destination: string): Promise<PackedPackage[]> {
  mkdirSync(destination, { recursive: true });
  const packages = publicPackages();
  const { stdout } = await promisify(execFile)(
    'npm',
    ['pack', '--json', '--pack-destination', destination, ...packages.flatMap((found) => ['--workspace', found.workspace])],
    { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 },
  );
  const reports = JSON.parse(stdout) as { name: string; filename: string; files: { path: string }[] }[];
  return packages.map((found) => {
    const report = reports.find((candidate) => candidate.name === found.name);
    if (!report) throw new Error(`npm pack made no tarball for ${found.name}`);
    return { ...found, tarball: join(destination, report.filename), files: report.files.map((file) => file.path) };
  });
}
