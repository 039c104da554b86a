// Every tarball a release would publish, checked by the field's own tools: publint (package.json
// against what the tarball holds) and Are The Types Wrong (the declarations each entry point resolves
// to under Node's ESM resolution and bundlers). The packages are ESM-only, so attw runs with the
// `esm-only` profile: `require` and pre-exports (node10) resolution are out of scope by design.
import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { packPublicPackages, type PackedPackage } from '../harness/pack-packages.ts';
import { publicPackages, repoRoot } from '../harness/public-packages.ts';

const run = async (command: string, args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
};
const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);

describe('published packages', () => {
  const destination = mkdtempSync(join(tmpdir(), 'ratchet-packs-'));
  let packed: PackedPackage[] = [];
  before(async () => {
    packed = await packPublicPackages(destination);
  });
  after(() => rmSync(destination, { recursive: true, force: true }));

  for (const { name } of publicPackages()) {
    test(`${name}: the tarball holds the build and no tests or tsconfig`, () => {
      const files = packed.find((found) => found.name === name)!.files;
      assert.ok(files.includes('dist/index.js') && files.includes('dist/index.d.ts'), `no dist/index.js + .d.ts in ${files.join(', ')}`);
      assert.ok(files.some((file) => file.endsWith('.js.map')), 'no source maps');
      assert.ok(files.includes('README.md'), 'no README.md');
      // The CLI's templates/ hold a scaffolded project's own tsconfig.json: that one belongs there.
      const unwanted = files.filter((file) => !file.startsWith('templates/') && /^test\/|(^|\/)tsconfig[^/]*\.json$|\.test\.ts$|tsbuildinfo/.test(file));
      assert.deepEqual(unwanted, []);
    });

    test(`${name}: publint finds nothing`, async () => {
      const result = await run(bin('publint'), ['run', packed.find((found) => found.name === name)!.tarball, '--strict']);
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, /All good!/, result.output);
    });

    test(`${name}: Are The Types Wrong finds nothing`, async () => {
      const result = await run(bin('attw'), [packed.find((found) => found.name === name)!.tarball, '--profile', 'esm-only', '--format', 'ascii']);
      assert.equal(result.code, 0, result.output);
      // Every entry point resolved and was analysed (not a tarball attw could not read).
      assert.match(result.output, /node16 \(from ESM\): 🟢/, result.output);
      assert.doesNotMatch(result.output, /^node16 \(from ESM\): (?!🟢)/m, result.output);
    });
  }
});
