import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { basename } from 'node:path';
import type { JournalEntry, RatchetClient } from '@ratchet/core';

/**
 * The part of a journal entry that must be the same on every engine: the same steps, in the same
 * order, with the same outcomes and the same model answers. Timings, attempt counts and execution
 * numbers depend on where the kills landed; effect receipts and timestamps depend on the world.
 */
export function comparableEntry(entry: JournalEntry) {
  return {
    position: entry.position,
    stepId: entry.stepId,
    kind: entry.kind,
    name: entry.name,
    status: entry.status,
    ...(entry.error ? { error: entry.error.kind } : {}),
    ...(entry.kind === 'step' || entry.kind === 'tool' || entry.kind === 'llm' ? { inputDigest: entry.inputDigest } : {}),
    ...(entry.kind === 'signal' || entry.kind === 'prompt' ? { output: entry.output } : {}),
    ...(entry.completion
      ? { completion: { model: `${entry.completion.provider}:${entry.completion.model}`, usage: entry.completion.usage, text: (entry.output as { text: string }).text } }
      : {}),
  };
}

const journals = new Map<string, Map<string, ReturnType<typeof comparableEntry>[]>>();

/** Keeps every run's journal of a scenario file, per driver, to compare them when the file ends. */
export async function recordJournals(driver: string, client: RatchetClient): Promise<void> {
  for (const run of await client.listRuns({ limit: 1_000 })) {
    const byDriver = journals.get(run.runId) ?? new Map();
    byDriver.set(driver, (await client.journal(run.runId)).map(comparableEntry));
    journals.set(run.runId, byDriver);
  }
}

/** Registers the last test of a scenario file: every run's journal is the same on every driver. */
export function describeJournalAgreement(drivers: string[], scenarioFile: string): void {
  describe(`${basename(scenarioFile, '.test.ts')}: journals agree across drivers (${drivers.join(', ')})`, () => {
    it('every run has the same steps, in the same order, with the same results on each driver', () => {
      assert.ok(journals.size > 0, 'no journals were recorded');
      for (const [runId, byDriver] of journals) {
        assert.deepEqual([...byDriver.keys()].sort(), [...drivers].sort(), `run ${runId} ran on every driver`);
        const [reference, ...others] = [...byDriver.entries()];
        for (const [driver, journal] of others) {
          const at = firstDifference(reference![1], journal);
          if (at === undefined) continue;
          assert.fail(
            `run ${runId}: ${driver}'s journal differs from ${reference![0]}'s at entry ${at}:\n` +
              `  ${reference![0]}: ${JSON.stringify(reference![1][at] ?? '(none)')}\n  ${driver}: ${JSON.stringify(journal[at] ?? '(none)')}`,
          );
        }
      }
    });
  });
}

function firstDifference(a: unknown[], b: unknown[]): number | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (!isDeepStrictEqual(a[i], b[i])) return i;
  }
  return undefined;
}
