import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { stopAll, type WorkerProcess } from '@ratchet/testing';
import { stormWriterAgent, twelveStepAgent } from '../fixtures/agents.ts';
import { describeJournalAgreement } from '../harness/journal-book.ts';
import { Scenario } from '../harness/scenario.ts';
import { selectedDrivers } from '../harness/selected-drivers.ts';

// Many kills: a sweep over every step boundary of a 12-step agent, and 50 concurrent runs whose
// workers are killed at random moments (the seed is printed so a failure can be replayed).
for (const driver of selectedDrivers()) {
  describe(`${driver.name}: kill storm`, () => {
    let s: Scenario;
    before(async () => {
      s = await Scenario.open(driver);
    });
    afterEach(() => stopAll());
    after(() => s.close());

    it('survives a kill at every step boundary of a 12-step agent', async () => {
      for (let k = 1; k <= 12; k++) {
        const runId = `sweep-${k}`;
        const worker = await s.spawnWorker();
        const killed = s.killOnEffect(worker, runId, 'advance', (effect) => (effect.payload as { n: number }).n === k);
        await s.client.start(twelveStepAgent, {}, { runId });
        await killed;
        await s.spawnWorker();
        const output = await s.client.result<{ receipts: string[] }>(runId, { timeoutMs: 120_000 });
        const applied = s.effectsOf(runId);
        assert.deepEqual(applied.map((e) => (e.payload as { n: number }).n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], `kill at step ${k}`);
        assert.deepEqual(output.receipts, applied.map((e) => e.id));
        // The killed step is sent again and answered from the record (nothing is applied twice: above).
        // Other steps may be resent too: with the tests' 1 s heartbeat timeout a loaded machine can time
        // out a live attempt (seen on Temporal in full runs); the world answers those from the record too.
        const resent = s.attemptsOf(runId).filter((a) => a.duplicate).map((a) => a.idempotencyKey);
        assert.ok(resent.includes(`${runId}:step:advance#${k}`), `step ${k} was sent again and answered from the record`);
        await stopAll();
      }
    });

    it('finishes 50 concurrent runs with workers killed at random moments, applying nothing twice', async () => {
      const seed = Number(process.env.RATCHET_SEED ?? Date.now() % 100_000);
      const random = mulberry32(seed);
      const runs = 50;
      const kills = 5;
      // Each run asks two completions: kill at five distinct request numbers among the first 80.
      const killAt = new Set<number>();
      while (killAt.size < kills) killAt.add(1 + Math.floor(random() * 80));
      const workers: WorkerProcess[] = await Promise.all([s.spawnWorker(), s.spawnWorker()]);
      const replacements: Promise<WorkerProcess>[] = [];
      const base = s.models.requests.length;
      const unsubscribe = s.models.on('request', (request) => {
        if (!killAt.has(request.n - base)) return;
        const alive = workers.filter((worker) => worker.pid && !worker.killedAt);
        const victim = alive[Math.floor(random() * alive.length)]!;
        victim.killedAt = Date.now();
        process.kill(victim.pid, 'SIGKILL');
        replacements.push(s.spawnWorker().then((worker) => (workers.push(worker), worker)));
      });
      try {
        const runIds = Array.from({ length: runs }, (_, i) => `storm-${i}`);
        await Promise.all(runIds.map((runId) => s.client.start(stormWriterAgent, { topic: `storm ${runId}` }, { runId })));
        for (const runId of runIds) await s.client.result(runId, { timeoutMs: 300_000 });
        await Promise.all(replacements);
        for (const runId of runIds) {
          assert.deepEqual(s.effectsOf(runId).map((e) => e.type), ['publish'], `${runId} published once (seed ${seed})`);
          const requests = s.modelRequestsFor(`(run ${runId})`);
          for (const api of ['openai', 'anthropic']) {
            const asked = requests.filter((r) => r.api === api).length;
            assert.ok(asked >= 1 && asked <= 1 + kills, `${runId} asked ${api} ${asked} times with ${kills} kills (seed ${seed})`);
          }
        }
      } finally {
        unsubscribe();
      }
    });
  });
}

describeJournalAgreement(selectedDrivers().map((driver) => driver.name), import.meta.filename);

declare module '@ratchet/testing' {
  interface WorkerProcess {
    killedAt?: number;
  }
}

function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
