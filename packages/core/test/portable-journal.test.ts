import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildPortableJournal,
  formatPortableJournal,
  JournalDocumentError,
  parsePortableJournal,
  type JournalEntry,
  type RunDescription,
} from '../src/index.ts';

const entries: JournalEntry[] = [
  { position: 0, stepId: 'prompt:note#1', kind: 'prompt', name: 'note', inputDigest: 'a', status: 'completed', output: { name: 'note', version: 'v1', template: 'hi' }, attempts: 1, startedAt: 1, completedAt: 2, execution: 1 },
  {
    position: 1, stepId: 'llm:draft#1', kind: 'llm', name: 'draft', inputDigest: 'b', status: 'completed', output: { text: 'x' }, attempts: 1, startedAt: 2, completedAt: 3, execution: 1,
    completion: { provider: 'openai', model: 'gpt-4o-mini', requested: 'openai:gpt-4o-mini', usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 }, finishReason: 'stop', routeAttempts: [{ model: 'openai:gpt-4o-mini', outcome: 'answered', latencyMs: 3 }], costUsd: 0.001 },
  },
  { position: 2, stepId: 'tool:reserve#1', kind: 'tool', name: 'reserve', inputDigest: 'c', input: { item: 'lamp' }, status: 'completed', output: { id: 'r1' }, attempts: 2, startedAt: 3, completedAt: 4, execution: 2, compensable: true },
];
const run: RunDescription = {
  runId: 'run-1', agent: 'traveller', status: 'migrated', executions: 2, createdAt: 1, updatedAt: 5,
  migration: { to: 'temporal', stoppedAt: 5, signals: [{ name: 'approval:ship', payload: { approved: true } }], openWait: { position: 3, stepId: 'signal:go#1', kind: 'signal', deadline: 99 } },
};
const start = { input: { topic: 'tides' }, inputDigest: 'd', seed: 'run-1', options: { budget: { maxTotalTokens: 1000 } } };
const document = () => buildPortableJournal(run, start, entries);

describe('portable journal', () => {
  it('summarises the run: structure, pinned prompts, budget, open wait, signals, compensation stack', () => {
    const journal = document();
    assert.deepEqual([journal.format, journal.version, journal.entryCount], ['ratchet.journal', 1, 3]);
    assert.deepEqual(journal.prompts, [{ stepId: 'prompt:note#1', name: 'note', version: 'v1' }]);
    assert.deepEqual(journal.budget, { override: { maxTotalTokens: 1000 }, used: { inputTokens: 10, outputTokens: 5, totalTokens: 15, costUsd: 0.001 } });
    assert.deepEqual(journal.compensations, [{ stepId: 'tool:reserve#1', name: 'reserve' }]);
    assert.deepEqual(journal.openWait, run.migration!.openWait);
    assert.deepEqual(journal.signals, run.migration!.signals);
    assert.deepEqual(journal.migration, { to: 'temporal', stoppedAt: 5 });
  });

  it('hands over a migrated run\'s entries up to the first gap, and its open wait only if it follows them', () => {
    const withGap = [entries[0]!, entries[1]!, { ...entries[2]!, position: 3, stepId: 'tool:reserve#2' }];
    const journal = buildPortableJournal(run, start, withGap);
    assert.deepEqual(journal.entries.map((entry) => entry.stepId), ['prompt:note#1', 'llm:draft#1']);
    assert.equal(journal.openWait, undefined, 'the wait at 3 no longer follows the entries');
    assert.deepEqual(parsePortableJournal(formatPortableJournal(journal)), journal);
    const live = buildPortableJournal({ ...run, status: 'running' }, start, withGap);
    assert.equal(live.entries.length, 3, 'a live run is exported as it is');
    assert.equal(parsePortableJournal(formatPortableJournal(live)).entries.length, 3);
  });

  it('is the same document every time for the same run, and reads back whole', () => {
    assert.equal(formatPortableJournal(document()), formatPortableJournal(document()));
    assert.deepEqual(parsePortableJournal(formatPortableJournal(document())), document());
  });

  const refused = (text: string, problem: string, pattern: RegExp) =>
    assert.throws(() => parsePortableJournal(text), (error: unknown) => {
      assert.ok(error instanceof JournalDocumentError, String(error));
      assert.equal(error.problem, problem);
      assert.match(error.message, pattern);
      return true;
    });

  it('refuses a document changed after export', () => {
    const text = formatPortableJournal(document()).replace('"r1"', '"r2"');
    refused(text, 'tampered', /digest does not match/);
  });

  it('keeps and covers an output\'s `__proto__` key, which JSON.parse makes an own key', () => {
    const output = JSON.parse('{"__proto__": {"id": "r1"}}') as unknown;
    const journal = buildPortableJournal({ ...run, status: 'running' }, start, [{ ...entries[2]!, position: 0, output }]);
    const text = formatPortableJournal(journal);
    assert.deepEqual(parsePortableJournal(text).entries[0]!.output, output);
    refused(text.replace('"r1"', '"r2"'), 'tampered', /digest does not match/);
  });

  it('refuses a cut document: text cut mid-way, or entries dropped', () => {
    const text = formatPortableJournal(document());
    refused(text.slice(0, text.length / 2), 'truncated', /ends before the document does/);
    const dropped = { ...document(), entries: document().entries.slice(0, 2) };
    refused(JSON.stringify(dropped), 'truncated', /holds 2 of its 3 entries/);
    const gap = { ...document(), entries: [document().entries[0], document().entries[2]], entryCount: 2 };
    refused(JSON.stringify(gap), 'truncated', /a migrated run hands over positions 0\.\.n, and an entry is missing/);
    const disordered = { ...document(), entries: [document().entries[1], document().entries[0]], entryCount: 2 };
    refused(JSON.stringify(disordered), 'malformed', /entry 1 has position 0, not after 1/);
  });

  it('refuses a newer format version, naming both versions', () => {
    refused(JSON.stringify({ ...document(), version: 2 }), 'unsupported-version', /format version 2 is newer than this Ratchet reads \(1\)/);
  });

  it('refuses what is not a Ratchet journal, naming the bad field', () => {
    refused('{"hello": 1}', 'malformed', /not a Ratchet journal/);
    refused('[1 2]', 'malformed', /not JSON/);
    refused(JSON.stringify({ ...document(), entries: [{ ...entries[0], kind: 'teleport' }] }), 'malformed', /entries\.0\.kind/);
  });
});
