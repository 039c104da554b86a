import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { PayloadStoreError } from '@ratchet/core';
import { stopAll } from '@ratchet/testing';
import { reportAgent } from '../fixtures/agents.ts';
import { Scenario } from '../harness/scenario.ts';
import { selectedDrivers } from '../harness/selected-drivers.ts';
import { describeJournalAgreement } from '../harness/journal-book.ts';
import { filesAsText } from '../harness/stored-text.ts';

// The same on every driver, so their journals agree.
const marker = 'offloaded-report-7d2e91';
// 5 MiB: over Temporal's 2 MB payload limit and Inngest's 4 MiB step output, which refuse it without a store.
const kilobytes = 5 * 1024;
const brief = `brief-${'b'.repeat(300 * 1024)}`;

// Payloads over the threshold go to a payload store (a folder every process shares); the journal
// keeps a reference and the bytes' digest. Sealed first, so the store holds no payload in clear.
for (const driver of selectedDrivers()) {
  describe(`${driver.name}: offloaded payloads`, () => {
    const dir = mkdtempSync(join(tmpdir(), `ratchet-payloads-${driver.name}-`));
    const payloadOptions = { offload: { store: { dir }, thresholdBytes: 64 * 1024 }, codec: { current: 'k1', keys: { k1: randomBytes(32).toString('hex') } } };
    let s: Scenario;
    before(async () => {
      s = await Scenario.open(driver, undefined, { clientOptions: payloadOptions });
    });
    afterEach(() => stopAll());
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const storedBlobs = () => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => /^[0-9a-f]{2}\/[0-9a-f]{64}$/.test(name));

    it('runs an agent whose input, step output and run output are larger than the engine takes, keeping them in the store', async () => {
      await s.spawnWorker({ driverOptions: payloadOptions });
      const output = await (await s.client.start(reportAgent, { marker, kilobytes, brief }, { runId: 'report-run' })).result({ timeoutMs: 180_000 });
      assert.equal(output.report.length, kilobytes * 1024);
      assert.ok(output.report.startsWith(marker));
      assert.equal(output.briefLength, brief.length);
      assert.deepEqual(s.effectsOf('report-run').map((effect) => effect.type), ['ship']);
      const journal = await s.client.journal('report-run');
      assert.equal((journal[0]!.output as string).length, kilobytes * 1024, 'the journal reads the step output back whole');
      assert.deepEqual((await s.client.runStart('report-run')).input, { marker, kilobytes, brief });

      assert.ok(storedBlobs().length >= 3, 'the input, the step output and the run output are in the store');
      const stored = await s.engine.storedText();
      assert.ok(!stored.includes(marker), 'the engine holds references, not the payloads');
      assert.ok(!filesAsText(dir).includes(marker), 'the store holds sealed payloads');
    });

    it('names the reference when a stored payload was altered or deleted, and reads it again once it is back', async () => {
      const blobs = storedBlobs();
      const original = new Map(blobs.map((name) => [name, readFileSync(join(dir, name))]));
      for (const name of blobs) writeFileSync(join(dir, name), 'not what was stored');
      await assert.rejects(s.client.journal('report-run'), (error: unknown) => error instanceof PayloadStoreError && error.problem === 'altered' && /\(([0-9a-f]{64})\) was altered/.test(error.message));
      for (const name of blobs) rmSync(join(dir, name));
      await assert.rejects(s.client.result('report-run'), (error: unknown) => error instanceof PayloadStoreError && error.problem === 'missing' && blobs.some((name) => error.message.includes(name.slice(3))));
      for (const [name, bytes] of original) writeFileSync(join(dir, name), bytes);
      assert.equal((await s.client.result<{ report: string }>('report-run')).report.length, kilobytes * 1024, 'put back, it reads again');
    });
  });
}

describeJournalAgreement(selectedDrivers().map((driver) => driver.name), import.meta.filename);
