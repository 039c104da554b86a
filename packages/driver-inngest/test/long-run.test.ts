import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RunDeadLetteredError } from '@ratchet/core';
import { createHarness, type Harness } from './harness.ts';
import { echoAgent } from './fixtures/agents.ts';

// Past Inngest's 1,000 steps a run: the run goes on in new Inngest runs (generations), each
// starting from the journal so far, as a Temporal run continues as new.
describe('inngest driver: a 5,000-step agent', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h.close());

  it('finishes past the 1,000-step cap, its worker stopped half-way, each step applied once, its journal read back whole', async () => {
    const runId = 'long-5000';
    const steps = 5_000;
    const texts = Array.from({ length: steps }, (_, i) => `t${i}`);
    const first = await h.startWorker();
    await h.client.start(echoAgent, { texts }, { runId });
    const applied = () => h.applied.filter((key) => key.startsWith(`${runId}:`));
    while (applied().length < steps / 2) await new Promise((resolve) => setTimeout(resolve, 50));
    await first.stop();
    await h.startWorker();
    const output = await h.client.result<{ texts: string[] }>(runId, { timeoutMs: 900_000 });
    assert.equal(output.texts.length, steps);
    assert.equal(output.texts[steps - 1], `T${steps - 1}`);
    // One execution per step, but for a step cut off by the stop, which runs again under its key.
    assert.equal(new Set(applied()).size, steps);
    assert.ok(applied().length <= steps + 1, `${applied().length} executions`);
    const journal = await h.client.journal(runId);
    assert.equal(journal.length, steps);
    journal.forEach((entry, index) => assert.equal(entry.stepId, `step:echo#${index + 1}`));
    // The generations, each an Inngest run of its own (at most 950 steps a generation).
    const starts = await h.api.listEvents(`ratchet/start/${runId}`);
    assert.ok(starts.length >= Math.ceil(steps / 950), `${starts.length} generations`);
  });
});

describe('inngest driver: a continuation larger than an event', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
    await h.startWorker({ driver: { maxSteps: 100, maxEventBytes: 20_000 } });
  });
  after(() => h.close());

  it('dead-letters the run, naming the limit, instead of sending an event the server refuses', async () => {
    const texts = Array.from({ length: 60 }, (_, i) => `${i}-${'x'.repeat(300)}`);
    const error = await (await h.client.start(echoAgent, { texts }, { runId: 'too-long' })).result({ timeoutMs: 120_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof RunDeadLetteredError, String(error));
    assert.equal(error.error.kind, 'payload-too-large');
    assert.match(error.error.message, /The continuation of run "too-long" \(its journal of 50 entries, in the start event of generation 1\) is \d+ bytes, over Inngest's limit of 20000 bytes/);
    assert.equal(new Set(h.applied.filter((key) => key.startsWith('too-long:'))).size, 50, 'nothing past the cap ran');
  });
});
