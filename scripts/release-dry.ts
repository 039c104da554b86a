// `npm run release:dry`: what a release would publish, without publishing (no registry credentials
// live here, and `npm pack` is the proof): builds every package, checks that the public packages
// share one version (the changesets `fixed` group), and packs each into .release/.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { packPublicPackages } from '../packaging/harness/pack-packages.ts';
import { repoRoot } from '../packaging/harness/public-packages.ts';

const built = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { stdio: 'inherit', cwd: repoRoot });
if (built.status !== 0) process.exit(built.status ?? 1);

const destination = join(repoRoot, '.release');
rmSync(destination, { recursive: true, force: true });
const packed = await packPublicPackages(destination);
const versions = new Set(packed.map((found) => found.version));
if (versions.size !== 1) {
  console.error(`The public packages must share one version; found ${[...versions].join(', ')}`);
  process.exit(1);
}
for (const found of packed) console.log(`${found.name}@${found.version}\t${found.files.length} files\t${found.tarball}`);
console.log(`\n${packed.length} packages packed into ${destination}; nothing was published.`);
