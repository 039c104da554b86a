// `npm test`: installs the engine servers (idempotent, cached outside the clone), typechecks and
// builds every package, then runs every test file with node's test runner. Tests start their own
// servers; the packaging tests pack the builds and install them in a project outside the repo.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { sourceCondition } from './source-condition.ts';

const env = sourceCondition(process.env);
const run = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

run('bash', ['scripts/engines/install.sh']);
run('npx', ['turbo', 'run', 'typecheck', 'build', '--output-logs=errors-only']);

const files = [
  ...globSync('packages/*/test/**/*.test.ts'),
  ...globSync('conformance/**/*.test.ts'),
  ...globSync('examples/*/test/**/*.test.ts'),
  ...globSync('packaging/test/**/*.test.ts'),
].sort();
const only = process.argv.slice(2);
run(process.execPath, [
  '--test',
  '--test-reporter=spec',
  '--test-timeout=300000',
  ...(only.length ? files.filter((file) => only.some((part) => file.includes(part))) : files),
]);
