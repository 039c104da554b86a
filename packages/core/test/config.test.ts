import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../src/index.ts';
import { createDriverFromConfig, defineConfig, driverPackageName, loadConfig, parseConfig } from '../src/config/index.ts';

describe('config', () => {
  it('lists no driver: a driver is a package named after it, or the one driverPackages names', async () => {
    await assert.rejects(createDriverFromConfig({ driver: 'kafka' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /Driver "kafka" needs the package @ratchet\/driver-kafka, which is not installed/);
      return true;
    });
    // A third-party driver under its own name: the package the map names is the one imported.
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-config-'));
    const elsewhere = join(dir, 'my-kafka-driver.ts');
    writeFileSync(elsewhere, `export function createDriver(options) { return { name: 'kafka', options }; }\n`);
    const driver = (await createDriverFromConfig({ driver: 'kafka', driverPackages: { kafka: pathToFileURL(elsewhere).href }, kafka: { brokers: 3 } })) as unknown as { name: string; options: unknown };
    assert.deepEqual(driver, { name: 'kafka', options: { brokers: 3 } });
    assert.equal(driverPackageName({}, 'temporal'), '@ratchet/driver-temporal');
  });

  it('names a bad driver name or a section that is not an object of options', () => {
    assert.throws(() => parseConfig({ driver: 'Local' }), /config: driver: a driver name is lower-case letters, digits and dashes/);
    assert.throws(() => parseConfig({ driver: 'local', lcoal: 'fast' }), /config: lcoal must be an object of the lcoal driver's options/);
    assert.throws(() => parseConfig({ driver: 'local', driverPackages: { local: '' } }), (error: unknown) => error instanceof ConfigError && /driverPackages\.local/.test(error.message));
    // Other drivers' sections are kept, so switching engines is a one-line change.
    assert.deepEqual(parseConfig({ driver: 'local', temporal: { address: 'x:7233' } }).temporal, { address: 'x:7233' });
  });

  it("leaves a driver's options to the driver's own schema", async () => {
    // Core keeps no copy of a driver's options, so none can drift from what the driver accepts.
    await assert.rejects(createDriverFromConfig({ driver: 'local', local: { pth: 'x' } }), /Invalid local driver options: unknown option pth\. Valid options: path, leaseMs, pollIntervalMs, synchronous/);
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-config-'));
    const driver = await createDriverFromConfig({ driver: 'local', local: { path: join(dir, 'runs.db'), synchronous: 'FULL' } });
    assert.equal(driver.name, 'local');
  });

  it('loads ratchet.config.ts and creates the configured driver', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-config-'));
    const file = join(dir, 'ratchet.config.ts');
    writeFileSync(file, `export default { driver: 'local', local: { path: ${JSON.stringify(join(dir, 'runs.db'))} } };\n`);
    const config = await loadConfig(file);
    assert.deepEqual(config, defineConfig({ driver: 'local', local: { path: join(dir, 'runs.db') } }));
    const driver = await createDriverFromConfig(config);
    assert.equal(driver.name, 'local');
    assert.equal(driver.specificationVersion, 'ratchet.driver.v1');
    await assert.rejects(loadConfig(join(dir, 'missing.ts')), /No config file at/);
  });

  it('refuses a file that does not load or exports no config with a ConfigError naming the file and the line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-config-'));
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const refused = (path: string, message: RegExp) => assert.rejects(loadConfig(path), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    // The syntax error's own words are Node's (its TypeScript stripper), so only the start is pinned.
    await refused(file('cut.ts', "export default {\n  driver: 'local',\n"), /^\/.+\/cut\.ts could not be loaded: SyntaxError at line 2: /);
    await refused(file('throws.ts', "const env: Record<string, string> = {};\nexport default { driver: env.name.trim() };\n"), /^\/.+\/throws\.ts could not be loaded: TypeError at line 2: Cannot read properties of undefined \(reading 'trim'\)$/);
    await refused(file('named.ts', "export const config = { driver: 'local' };\n"), /^\/.+\/named\.ts has no default export: export default defineConfig\(\{ driver: 'local' \}\)$/);
  });
});
