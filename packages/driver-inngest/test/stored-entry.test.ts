import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Inngest } from 'inngest';
import { digest, type JournalEntry } from '@ratchet/core';
import type { EntryRecord } from '../src/protocol.ts';
import { decodeEntry, encodeEntry, entryStepId, entryStepName, isCompactEntry } from '../src/stored-entry.ts';
import { migrantAgent } from './fixtures/agents.ts';
import { suiteHarness } from './harness.ts';

const ts = 1_796_000_000_000;
const failed = { status: 'failed' as const, output: undefined, error: { name: 'TerminalError', kind: 'terminal', message: 'no', retryable: false } };
const entry = (fields: Partial<JournalEntry> = {}): JournalEntry => {
  const built: JournalEntry = {
    position: 3,
    stepId: 'tool:charge#2',
    kind: 'tool',
    name: 'charge',
    inputDigest: digest({ cents: 100 }),
    input: { cents: 100 },
    status: 'completed',
    output: { receipt: 'r-1' },
    attempts: 1,
    startedAt: ts + 250,
    completedAt: ts + 262,
    execution: 1,
    ...fields,
  };
  // A failed entry has no output at all.
  if (built.output === undefined) delete built.output;
  return built;
};

describe('inngest stored entries', () => {
  const roundTrip = (record: EntryRecord, stepName: string) => {
    const stored = encodeEntry(record, stepName, ts);
    assert.ok(isCompactEntry(stored), `stored compact: ${JSON.stringify(stored)}`);
    return { stored, back: decodeEntry(stored, entryStepId(stored, stepName), ts) };
  };

  it('gives every shape of entry back exactly from its compact form', () => {
    const shapes: { record: EntryRecord; generation?: number }[] = [
      { record: { ratchet: 'entry', entry: entry() } },
      { record: { ratchet: 'entry', entry: entry({ input: null, inputDigest: digest(null), output: null, kind: 'step', name: 'noop', stepId: 'step:noop#7' }) } },
      { record: { ratchet: 'entry', entry: entry({ attempts: 3, execution: 4, compensable: true }) } },
      { record: { ratchet: 'entry', entry: entry({ attempts: 2 }) }, generation: 2 },
      { record: { ratchet: 'entry', entry: entry(failed) } },
      {
        record: {
          ratchet: 'entry',
          entry: entry({ stepId: 'signal:approval:ship#1', kind: 'signal', name: 'approval:ship', input: { signal: 'approval:ship', timeoutMs: null }, inputDigest: digest({ signal: 'approval:ship', timeoutMs: null }), output: { received: true, payload: { approved: true } }, startedAt: ts - 5, completedAt: ts + 90_000 }),
          signalEventId: '01JSIGNAL',
        },
      },
    ];
    for (const { record, generation = 0 } of shapes) {
      const { back } = roundTrip(record, entryStepName(record.entry.stepId, generation, record.entry.attempts));
      assert.deepEqual(back, record);
    }
  });

  it('stores a no-op step in a few bytes', () => {
    const noop = entry({ position: 12, stepId: 'step:noop#13', kind: 'step', name: 'noop', input: null, inputDigest: digest(null), output: null, startedAt: ts + 245, completedAt: ts + 245 });
    const { stored } = roundTrip({ ratchet: 'entry', entry: noop }, noop.stepId);
    assert.equal(JSON.stringify(stored), '{"p":12,"t":245}');
  });

  it('keeps the full record when the compact form could not give the entry back', () => {
    // A step id from before attempts were chained: attempt 2 under the step's own id.
    const legacy: EntryRecord = { ratchet: 'entry', entry: entry({ attempts: 2 }) };
    assert.equal(encodeEntry(legacy, legacy.entry.stepId, ts), legacy);
    // An output dropped for its size keeps the digest of an input that is gone too.
    const { input: _input, ...withoutInput } = entry(failed);
    const dropped: EntryRecord = { ratchet: 'entry', entry: withoutInput };
    assert.equal(encodeEntry(dropped, dropped.entry.stepId, ts), dropped);
  });
});

describe('inngest journal versions on inngest start', () => {
  const harness = suiteHarness([migrantAgent]);

  /** The outputs of the run's `step.run`s, as the server keeps them. */
  async function stepOutputs(runId: string): Promise<unknown[]> {
    const h = harness();
    const [event] = await h.api.listEvents(`ratchet/start/${runId}`);
    const [run] = await h.api.eventRuns(event!.internal_id);
    const trace = await h.api.trace(run!.id);
    return (trace?.children ?? []).filter((span) => span.stepOp === 'RUN').map((span) => span.output);
  }

  async function untilWaiting(runId: string): Promise<void> {
    const h = harness();
    // A start sent with the SDK is listed by the server a moment after.
    while ((await h.client.describe(runId).catch(() => undefined))?.status !== 'waiting') await new Promise((resolve) => setTimeout(resolve, 50));
  }

  it('replays a run an older client started (full entry records) and reads it back as a new run reads', async () => {
    const h = harness();
    const input = { wait: 'approval' as const, steps: 1 };
    // What a client before journal version 2 sent: no `journalVersion`, so the run stores full records.
    const older = new Inngest({ id: 'ratchet', baseUrl: h.server.baseUrl, eventKey: h.server.eventKey, signingKey: h.server.signingKey, isDev: false });
    const parsed = migrantAgent.input.parse(input);
    await older.send({ name: 'ratchet/start/v1-run', id: 'ratchet-start:v1-run', data: { runId: 'v1-run', agent: 'migrant', input: parsed, inputDigest: digest(parsed), seed: 'v1-run' } });
    await h.client.start(migrantAgent, input, { runId: 'v2-run' });
    await Promise.all([untilWaiting('v1-run'), untilWaiting('v2-run')]);

    const v1 = await stepOutputs('v1-run');
    assert.ok(v1.filter((output) => (output as { ratchet?: string }).ratchet === 'entry').length >= 2, JSON.stringify(v1));
    assert.ok(!v1.some(isCompactEntry));
    assert.equal((await stepOutputs('v2-run')).filter(isCompactEntry).length, 2, 'the current client\'s run stores compact entries');

    for (const runId of ['v1-run', 'v2-run']) {
      await h.client.approve(runId, 'ship', { by: 'ops' });
      assert.deepEqual(await h.client.result(runId, { timeoutMs: 60_000 }), { texts: ['FIRST', 'S1', 'LAST'], approvedBy: 'ops' });
    }
    const [journalV1, journalV2] = [await h.client.journal('v1-run'), await h.client.journal('v2-run')];
    assert.deepEqual(journalV1.map((e) => e.stepId), ['step:echo#1', 'step:slow-echo#1', 'signal:approval:ship#1', 'step:echo#2']);
    // The same fields with the same values, but when each step ran.
    const timeless = (journal: JournalEntry[]) => journal.map(({ startedAt, completedAt, ...rest }) => ({ ...rest, took: completedAt >= startedAt }));
    assert.deepEqual(timeless(journalV2), timeless(journalV1));
    const started = (await h.api.listEvents('ratchet/start/v2-run'))[0]!.ts;
    assert.ok(journalV2.every((e) => e.startedAt >= started && e.startedAt <= Date.now()), 'compact entries are dated from the start event');
  });
});
