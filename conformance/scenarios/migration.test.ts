import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrateRun, MigrationError, RunMigratedError, RunNotFoundError, type JournalEntry } from '@ratchet/core';
import { startModelServer, startWorldService, type ModelServer, type WorkerProcess, type WorldService } from '@ratchet/testing';
import { travellerAgent } from '../fixtures/migration-agents.ts';
import { notePromptV1 } from '../fixtures/llm-agents.ts';
import { askedBy } from '../harness/asked-by.ts';
import { comparableEntry } from '../harness/journal-book.ts';
import { Scenario } from '../harness/scenario.ts';
import { selectedDrivers } from '../harness/selected-drivers.ts';

// Runs moved between every ordered pair of engines, all running at once and sharing one world
// service and one model server, so every effect and every completion is counted across engines.
// Suites are named `<target>: migration from <source>`: the report's column is the target.
const drivers = selectedDrivers();
const engines = new Map<string, Scenario>();
const workers = new Map<string, WorkerProcess>();
let world: WorldService;
let models: ModelServer;
const engine = (name: string) => engines.get(name)!;

// With fewer than two drivers selected there is no pair: start nothing (a started worker would keep the file alive).
if (drivers.length >= 2) before(async () => {
  [world, models] = await Promise.all([startWorldService(), startModelServer()]);
  for (const scenario of await Promise.all(drivers.map((driver) => Scenario.open(driver, { world, models })))) {
    engines.set(scenario.driver.name, scenario);
  }
  for (const scenario of engines.values()) workers.set(scenario.driver.name, await scenario.spawnWorker());
});
if (drivers.length >= 2) after(async () => {
  for (const scenario of engines.values()) await scenario.close();
  await Promise.all([world?.close(), models?.close()]);
});

const effectTypes = (runId: string) => world.effects.filter((effect) => effect.idempotencyKey.startsWith(`${runId}:`)).map((effect) => effect.type);
const asked = (runId: string, api: 'openai' | 'anthropic') => askedBy(models, runId, api);

/** The target's journal starts with what left the source, entry for entry, and goes on from there. */
function assertContinues(target: JournalEntry[], carried: JournalEntry[]): void {
  assert.deepEqual(target.slice(0, carried.length).map(comparableEntry), carried.map(comparableEntry));
}

function assertCompletedOnce(runId: string, output: { tokensUsed: number; promptVersion: string }, journal: JournalEntry[]): void {
  assert.equal(asked(runId, 'openai'), 1, 'the draft was asked for once, on the source');
  assert.equal(asked(runId, 'anthropic'), 1, 'the summary was asked for once, on the target');
  const used = journal.reduce((sum, entry) => sum + (entry.completion?.usage.totalTokens ?? 0), 0);
  assert.equal(output.tokensUsed, used, 'the budget counts the carried completion and the new one, once each');
  assert.equal(output.promptVersion, notePromptV1.version, 'the pinned prompt version carried over');
}

for (const from of drivers) {
  for (const to of drivers) {
    if (from === to) continue;
    describe(`${to.name}: migration from ${from.name}`, () => {
      it('moves a run waiting on an approval; the approval lands on the target and nothing runs twice', async () => {
        const [a, b] = [engine(from.name), engine(to.name)];
        const runId = `mv-approval-${from.name}-${to.name}`;
        await a.client.start(travellerAgent, { topic: runId }, { runId });
        await a.waitUntilWaiting(runId);
        const moved = await migrateRun(a.client, b.client, runId);
        assert.deepEqual([moved.created, moved.steps, moved.from, moved.to], [true, 3, from.name, to.name]);
        const source = await a.client.describe(runId);
        assert.equal(source.status, 'migrated');
        assert.deepEqual(source.migration?.openWait && { stepId: source.migration.openWait.stepId, kind: source.migration.openWait.kind }, { stepId: 'signal:approval:ship#1', kind: 'signal' });
        await assert.rejects(a.client.approve(runId, 'ship', { by: 'too-late' }), (error: unknown) => error instanceof RunMigratedError && error.to === to.name);

        await b.client.approve(runId, 'ship', { by: 'dana' });
        const output = await b.client.result<{ approvedBy: string; tokensUsed: number; promptVersion: string }>(runId, { timeoutMs: 120_000 });
        assert.equal(output.approvedBy, 'dana');
        const journal = await b.client.journal(runId);
        assert.deepEqual(journal.map((entry) => entry.stepId), ['prompt:note#1', 'llm:draft#1', 'tool:reserve#1', 'signal:approval:ship#1', 'llm:summary#1', 'step:ship#1']);
        assertContinues(journal, moved.journal.entries as JournalEntry[]);
        assertCompletedOnce(runId, output, journal);
        assert.deepEqual(effectTypes(runId), ['reserve', 'ship']);
        assert.deepEqual(world.effects.filter((e) => e.idempotencyKey.startsWith(`${runId}:`)).map((e) => e.idempotencyKey), [`${runId}:tool:reserve#1`, `${runId}:step:ship#1`]);
        const exported = await b.client.export(runId);
        assert.deepEqual(exported.entries.slice(0, 3), moved.journal.entries, 'the carried entries read back unchanged');
        assert.deepEqual(exported.compensations, [{ stepId: 'tool:reserve#1', name: 'reserve' }], 'the compensation stack carried over');
      });

      it('moves a run in a sleep; the target keeps the original deadline', async () => {
        const [a, b] = [engine(from.name), engine(to.name)];
        const runId = `mv-sleep-${from.name}-${to.name}`;
        await a.client.start(travellerAgent, { topic: runId, wait: 'sleep' }, { runId });
        await a.waitUntilWaiting(runId);
        // 1.5 s (or more) into the 8 s sleep: one started afresh on the target would end that much past the deadline.
        // 8 s leaves room for an engine that reports "waiting" late under load.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        const moved = await migrateRun(a.client, b.client, runId);
        const wait = moved.journal.openWait;
        assert.equal(wait?.stepId, 'sleep:sleep#1');
        assert.equal(typeof wait?.deadline, 'number');
        await b.client.result(runId, { timeoutMs: 120_000 });
        const journal = await b.client.journal(runId);
        const summary = journal.find((entry) => entry.stepId === 'llm:summary#1')!;
        // A fresh 8 s sleep would start the summary at least 8 s after the migration.
        assert.ok(summary.startedAt >= wait!.deadline! - 50, `the sleep did not end early (${summary.startedAt} vs deadline ${wait!.deadline})`);
        assert.ok(summary.startedAt < moved.journal.migration!.stoppedAt + 8_000, 'the sleep was not started again on the target');
        assert.deepEqual(effectTypes(runId), ['reserve', 'ship']);
      });

      it('stops a run at a step boundary while it runs steps, and the target runs the rest once', async () => {
        const [a, b] = [engine(from.name), engine(to.name)];
        const runId = `mv-steps-${from.name}-${to.name}`;
        // The request is made while step 2 is in flight: the world holds its answer until the request is in.
        const requested = new Promise<void>((resolve, reject) => {
          const off = world.on('effect', (effect) => {
            if (effect.idempotencyKey !== `${runId}:step:advance#2`) return;
            off();
            const request = a.client.requestMigration(runId, to.name);
            request.then(resolve, reject);
            return request;
          });
        });
        await a.client.start(travellerAgent, { topic: runId, steps: 8, wait: 'none' }, { runId });
        await requested;
        const moved = await migrateRun(a.client, b.client, runId);
        assert.equal(moved.journal.openWait, undefined, 'it stopped between steps, not in a wait');
        assert.ok(moved.steps >= 4 && moved.steps <= 11, `stopped after step 2 was applied (${moved.steps} steps carried)`);
        const output = await b.client.result<{ receipts: string[]; tokensUsed: number; promptVersion: string }>(runId, { timeoutMs: 120_000 });
        assert.equal(output.receipts.length, 8);
        assert.deepEqual(effectTypes(runId), ['reserve', ...Array(8).fill('advance'), 'ship']);
        assertCompletedOnce(runId, output, await b.client.journal(runId));
      });

      it('hands over a signal the source received and had not consumed', async () => {
        const [a, b] = [engine(from.name), engine(to.name)];
        const runId = `mv-signal-${from.name}-${to.name}`;
        await a.client.start(travellerAgent, { topic: runId, wait: 'go-then-approval' }, { runId });
        await a.waitUntilWaiting(runId);
        await a.client.approve(runId, 'ship', { by: 'early' }); // the run waits on "go": this one is buffered
        const moved = await migrateRun(a.client, b.client, runId);
        assert.deepEqual(moved.journal.signals, [{ name: 'approval:ship', payload: { approved: true, by: 'early' } }]);
        assert.equal(moved.journal.openWait?.stepId, 'signal:go#1');
        await b.client.signal(runId, 'go');
        const output = await b.client.result<{ approvedBy: string }>(runId, { timeoutMs: 120_000 });
        assert.equal(output.approvedBy, 'early');
      });
    });
  }
}

// One pair per target where the source worker is SIGKILLed in the middle of the migration, and the
// target's worker is killed on its first new effect: each side recovers, nothing runs twice.
drivers.forEach((to, index) => {
  const from = drivers[(index + 1) % drivers.length]!;
  if (from === to) return;
  describe(`${to.name}: migration from ${from.name}`, () => {
    it('survives a SIGKILL of the source worker during the migration and of the target worker after it', async () => {
      const [a, b] = [engine(from.name), engine(to.name)];
      const runId = `mv-kill-${from.name}-${to.name}`;
      const killed = a.killOnEffect(workers.get(from.name)!, runId, 'advance', (effect) => effect.idempotencyKey.endsWith('#3'));
      await a.client.start(travellerAgent, { topic: runId, steps: 6, wait: 'none' }, { runId });
      await killed;
      await a.client.requestMigration(runId, to.name); // the request outlives the worker
      const moving = migrateRun(a.client, b.client, runId);
      workers.set(from.name, await a.spawnWorker());
      const targetKilled = b.killOnEffect(workers.get(to.name)!, runId, 'ship');
      const moved = await moving;
      assert.ok(moved.steps >= 5, `advance 1 and 2 stayed journaled (${moved.steps} steps carried)`);
      await targetKilled;
      workers.set(to.name, await b.spawnWorker());
      const output = await b.client.result<{ receipts: string[]; tokensUsed: number; promptVersion: string }>(runId, { timeoutMs: 180_000 });
      assert.equal(output.receipts.length, 6);
      assert.deepEqual(effectTypes(runId), ['reserve', ...Array(6).fill('advance'), 'ship'], 'each effect applied once across both engines');
      assertCompletedOnce(runId, output, await b.client.journal(runId));
    });
  });
});

// A migration cut short between the stop and the import (the migrating process died), repeated,
// and a second migration to another engine: exactly one live run, nothing lost.
if (drivers.length >= 2) {
  const [from, to] = [drivers[0]!, drivers[1]!];
  const third = drivers[2];
  describe(`${to.name}: migration from ${from.name}`, () => {
    it('finishes a migration cut short after the stop, and refuses a second one elsewhere', async () => {
      const [a, b] = [engine(from.name), engine(to.name)];
      const runId = `mv-resume-${from.name}-${to.name}`;
      await a.client.start(travellerAgent, { topic: runId }, { runId });
      await a.waitUntilWaiting(runId);
      await a.client.requestMigration(runId, to.name);
      assert.equal((await a.client.settled(runId, 60_000)).status, 'migrated');
      await assert.rejects(b.client.describe(runId), RunNotFoundError, 'the process died before the import');
      await a.client.requestMigration(runId, third?.name ?? 'elsewhere'); // a later request does not change the target
      if (third) {
        await assert.rejects(migrateRun(a.client, engine(third.name).client, runId), (error: unknown) => error instanceof RunMigratedError && error.to === to.name);
        await assert.rejects(engine(third.name).client.describe(runId), RunNotFoundError);
      }
      const moved = await migrateRun(a.client, b.client, runId);
      assert.equal(moved.created, true);
      const again = await migrateRun(a.client, b.client, runId);
      assert.equal(again.created, false, 'a repeated migration finds the run already there');
      await b.client.approve(runId, 'ship', { by: 'ops' });
      await b.client.result(runId, { timeoutMs: 120_000 });
      assert.deepEqual(effectTypes(runId), ['reserve', 'ship']);
      await assert.rejects(migrateRun(b.client, a.client, runId), MigrationError, 'a finished run has nothing left to move');
    });
  });
}
