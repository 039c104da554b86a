// Every tarball a release would publish, checked by the field's own tools: publint (package.json
// against what the tarball holds) and Are The Types Wrong (the declarations each entry point resolves
// to under Node's ESM resolution and bundlers). The packages are ESM-only, so attw runs with the
// `esm-only` profile: `require` and pre-exports (node10) resolution are out of scope by design.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packPublicPackages, type PackedPackage } from '../harness/pack-packages.ts';
import { publicPackages, repoRoot } from '../harness/public-packages.ts';
import { runCommand } from '../harness/run-command.ts';

const run = async (command: string, args: string[]) => {
  const result = await runCommand(command, args, { cwd: repoRoot });
  return { code: result.code, output: `${result.stdout}${result.stderr}` };
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
