import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digest, type JournalEntry } from '@ratchet/core';
import { toJournalEntry, toJournalRow } from '../src/journal.ts';

const entry = (overrides: Partial<JournalEntry>): JournalEntry => ({
  position: 0,
  stepId: 'tool:search#1',
  kind: 'tool',
  name: 'search',
  inputDigest: digest({ q: 'x' }),
  input: { q: 'x' },
  status: 'completed',
  output: { hits: 1 },
  attempts: 1,
  startedAt: 1_000,
  completedAt: 1_005,
  execution: 1,
  ...overrides,
});

describe('journal rows', () => {
  it('store no kind, name or digest that the step id and input give back, and read back the same entry', () => {
    const original = entry({});
    const row = toJournalRow('r', original);
    assert.deepEqual([row.kind, row.name, row.input_digest], ['', '', '']);
    assert.deepEqual(toJournalEntry(row), original);
  });

  it('keep a digest the input does not give (an imported entry whose input was left out) and names the step id does not spell', () => {
    const withoutInput = entry({ input: undefined, inputDigest: digest('the original input') });
    delete withoutInput.input;
    const row = toJournalRow('r', withoutInput);
    assert.equal(row.input_digest, withoutInput.inputDigest);
    assert.deepEqual(toJournalEntry(row), withoutInput);
    const renamed = entry({ stepId: 'legacy-step-1' });
    const renamedRow = toJournalRow('r', renamed);
    assert.deepEqual([renamedRow.kind, renamedRow.name], ['tool', 'search']);
    assert.deepEqual(toJournalEntry(renamedRow), renamed);
  });

  it('derive the digest a worker would have computed from the live value, for values JSON changes', () => {
    // The worker stores JSON.stringify(input) and leaves the digest to be derived from it on read.
    const inputs: unknown[] = [
      { b: 1, a: { d: [1, undefined, 3], c: undefined } },
      { at: new Date(0), zero: -0, missing: Number.NaN },
      JSON.parse('{"__proto__": {"x": 1}, "y": [null]}'),
      'text',
      null,
    ];
    for (const input of inputs) {
      const row = { ...toJournalRow('r', entry({ input: JSON.parse(JSON.stringify(input)), inputDigest: digest(input) })), input: JSON.stringify(input) };
      assert.equal(toJournalEntry({ ...row, input_digest: '' }).inputDigest, digest(input), JSON.stringify(input));
    }
  });
});
