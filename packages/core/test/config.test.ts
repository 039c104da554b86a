import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../src/index.ts';
import { createDriverFromConfig, defineConfig, importDriverPackage, loadConfig, parseConfig } from '../src/config/index.ts';

describe('config', () => {
  it('names an unknown driver and lists the valid ones', () => {
    assert.throws(() => parseConfig({ driver: 'kafka' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /unknown driver "kafka"\. Valid drivers: local, temporal, restate, inngest/);
      return true;
    });
  });

  it('names an unknown option and lists the valid ones', () => {
    assert.throws(() => parseConfig({ driver: 'local', lcoal: {} }), /unknown option lcoal\. Valid options: driver, local, temporal, restate, inngest/);
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
    const driver = await createDriverFromConfig(config);
    assert.equal(driver.name, 'local');
    assert.equal(driver.specificationVersion, 'ratchet.driver.v1');
    await assert.rejects(loadConfig(join(dir, 'missing.ts')), /No config file at/);
  });

  it('says which package a driver needs when it is not installed', async () => {
    await assert.rejects(importDriverPackage('kafka', '@ratchet/driver-kafka'), /Driver "kafka" needs the package @ratchet\/driver-kafka, which is not installed/);
    assert.equal(defineConfig({ driver: 'local' }).driver, 'local');
  });
});
