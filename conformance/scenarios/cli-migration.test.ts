import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startModelServer, startWorldService, type ModelServer, type WorldService } from '@ratchet/testing';
import { travellerAgent } from '../fixtures/migration-agents.ts';
import { Scenario } from '../harness/scenario.ts';
import { selectedDrivers } from '../harness/selected-drivers.ts';

// docs/migration.md, as a person types it: one config naming both engines, `ratchet migrate`, then
// the approval sent to the new engine and refused by the old one.
const bin = fileURLToPath(new URL('../../packages/cli/src/bin.ts', import.meta.url));
const [from, to] = selectedDrivers();

if (from && to) {
  describe(`${to.name}: the ratchet CLI migrating from ${from.name}`, () => {
    let world: WorldService;
    let models: ModelServer;
    let a: Scenario;
    let b: Scenario;
    const dir = mkdtempSync(join(tmpdir(), 'ratchet-cli-migration-'));
    const config = (driver: string) => join(dir, `${driver}.config.ts`);
    const ratchet = (driver: string, ...args: string[]) => spawnSync(process.execPath, [bin, '--config', config(driver), ...args], { encoding: 'utf8', timeout: 180_000 });

    before(async () => {
      [world, models] = await Promise.all([startWorldService(), startModelServer()]);
      [a, b] = await Promise.all([Scenario.open(from, { world, models }), Scenario.open(to, { world, models })]);
      await Promise.all([a.spawnWorker(), b.spawnWorker()]);
      const options = { [from.name]: a.engine.driverOptions, [to.name]: b.engine.driverOptions };
      for (const driver of [from.name, to.name]) writeFileSync(config(driver), `export default ${JSON.stringify({ driver, ...options })};\n`);
    });
    after(async () => {
      await a?.close();
      await b?.close();
      await Promise.all([world?.close(), models?.close()]);
    });

    it('migrate --to moves a waiting run; the approval goes to the new engine, the old one refuses it', async () => {
      const runId = 'cli-moved';
      await a.client.start(travellerAgent, { topic: runId }, { runId });
      await a.waitUntilWaiting(runId);

      const migrate = ratchet(from.name, '--json', 'migrate', runId, '--to', to.name);
      assert.equal(migrate.status, 0, migrate.stderr);
      const moved = JSON.parse(migrate.stdout) as { from: string; to: string; steps: number; created: boolean; openWait: { stepId: string } };
      assert.deepEqual([moved.from, moved.to, moved.steps, moved.created, moved.openWait.stepId], [from.name, to.name, 3, true, 'signal:approval:ship#1']);

      assert.match(ratchet(from.name, 'runs').stdout, new RegExp(`${runId}\\ttraveller\\tmigrated → ${to.name}`));
      const refused = ratchet(from.name, 'approve', runId, 'ship', '--by', 'dana');
      assert.equal(refused.status, 7);
      assert.match(refused.stderr, new RegExp(`was migrated to the ${to.name} driver; use it there`));
      assert.match(ratchet(to.name, 'show', runId).stdout, /tool:reserve#1 +completed +carried over/);

      const approve = ratchet(to.name, 'approve', runId, 'ship', '--by', 'dana');
      assert.equal(approve.status, 0, approve.stderr);
      assert.equal((await b.client.result<{ approvedBy: string }>(runId, { timeoutMs: 120_000 })).approvedBy, 'dana');
      assert.deepEqual(world.effects.filter((e) => e.idempotencyKey.startsWith(`${runId}:`)).map((e) => e.type), ['reserve', 'ship']);

      const again = ratchet(from.name, 'migrate', runId, '--to', to.name);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /already moved: cli-moved/);
    });
  });
}
