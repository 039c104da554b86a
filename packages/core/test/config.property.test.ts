import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../src/index.ts';
import { configSchema, driverNameSchema, loadConfig, parseConfig, type RatchetConfig } from '../src/config/index.ts';
import { arbitraryOf } from './zod-arbitrary.ts';

const driverName = arbitraryOf(driverNameSchema) as fc.Arbitrary<string>;
const reserved = new Set(['driver', 'driverPackages']);
/** A TypeScript literal's `__proto__` key sets the prototype: it is never an option's name. */
const optionName = fc.string().filter((key) => key !== '__proto__');

/** A config the schema accepts: the driver, maybe driverPackages, and a section of options per driver. */
const validConfig = fc
  .record({
    base: arbitraryOf(configSchema) as fc.Arbitrary<RatchetConfig>,
    sections: fc.dictionary(driverName.filter((name) => !reserved.has(name)), fc.dictionary(optionName, fc.jsonValue(), { maxKeys: 3, noNullPrototype: true }), { maxKeys: 3, noNullPrototype: true }),
  })
  .map(({ base, sections }): RatchetConfig => ({ ...sections, ...base }));

const jsonType = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
const notOfType = (...types: string[]) => fc.jsonValue().filter((value) => !types.includes(jsonType(value)));

/** A valid config with one key given a value it cannot have, and that key's path. */
const configWithBadKey = validConfig.chain((config) =>
  fc.oneof(
    fc.record({ path: fc.constant('driver'), value: fc.oneof(notOfType('string'), fc.string().filter((name) => !driverNameSchema.safeParse(name).success)) }),
    fc.record({ path: fc.constant('driverPackages'), value: notOfType('object') }),
    driverName.chain((name) => fc.record({ path: fc.constant(`driverPackages.${name}`), value: fc.oneof(notOfType('string'), fc.constant('')) })),
    driverName.filter((name) => !reserved.has(name)).chain((name) => fc.record({ path: fc.constant(name), value: notOfType('object') })),
  ).map(({ path, value }) => {
    const [key, inner] = path.split('.') as [string, string | undefined];
    const changed: Record<string, unknown> = { ...config };
    changed[key] = inner === undefined ? value : { ...config.driverPackages, [inner]: value };
    return { config: changed, path };
  }),
);

/** The refusal, asserted to be a `ConfigError`: anything else thrown, or no refusal at all, fails. */
function assertConfigError(error: unknown): asserts error is ConfigError {
  if (!(error instanceof ConfigError)) assert.fail(`expected a ConfigError, got ${(error as Error)?.stack ?? String(error)}`);
}

const dir = mkdtempSync(join(tmpdir(), 'ratchet-config-property-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
/** A new file each time: an imported module is cached by its path. */
function configFile(text: string): string {
  const file = join(dir, `ratchet-${++files}.config.ts`);
  writeFileSync(file, text);
  return file;
}

const moduleOf = (value: unknown) => `export default ${JSON.stringify(value, null, 2)};\n`;

describe('config properties', () => {
  it('accepts every valid config as it is', () => {
    fc.assert(fc.property(validConfig, (config) => assert.deepEqual(parseConfig(config), config)));
  });

  it('refuses any other value with a ConfigError naming the key', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          parseConfig(value);
        } catch (error) {
          assertConfigError(error);
          assert.match(error.message, /^config: /);
          assert.ok(error.message.includes(String(error.data.path)), error.message);
        }
      }),
    );
  });

  it('names the key that holds a value it cannot have, in a value and in a file', async () => {
    await fc.assert(
      fc.asyncProperty(configWithBadKey, async ({ config, path }) => {
        assert.throws(() => parseConfig(config), (error: unknown) => {
          assertConfigError(error);
          assert.equal(error.data.path, path, error.message);
          assert.ok(error.message.startsWith(`config: ${path}`), error.message);
          return true;
        });
        const file = configFile(moduleOf(config));
        await assert.rejects(loadConfig(file), (error: unknown) => {
          assertConfigError(error);
          assert.ok(error.message.startsWith(`${file}: ${path}`), error.message);
          return true;
        });
      }),
    );
  });

  it('loads a config file, or refuses it with a ConfigError naming the file: bad values, syntax errors, cut text, errors thrown, no default export', async () => {
    const text = fc.oneof(
      fc.jsonValue().map(moduleOf),
      fc.string(),
      fc.tuple(validConfig.map(moduleOf), fc.nat()).map(([module, at]) => module.slice(0, at % module.length)),
      fc.string().map((message) => `throw new Error(${JSON.stringify(message)});\n`),
      validConfig.map((config) => `export const config = ${JSON.stringify(config)};\n`),
    );
    await fc.assert(
      fc.asyncProperty(text, async (source) => {
        const file = configFile(source);
        try {
          await loadConfig(file);
        } catch (error) {
          assertConfigError(error);
          assert.ok(error.message.startsWith(`${file}: `) || error.message.startsWith(`${file} `), error.message);
        }
      }),
      // A hang is a failure too.
      { timeout: 5_000 },
    );
  });
});
