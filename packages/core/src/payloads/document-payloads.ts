import { digest } from '../journal/digest.ts';
import type { JournalEntry } from '../journal/journal-entry.ts';
import type { PortableJournal } from '../journal/portable-journal.ts';
import { mapEntryPayloads } from './entry-payloads.ts';

/**
 * A portable journal with every payload it carries (the run's input, its entries' payloads as
 * `mapEntryPayloads` names them, the pending signals) passed through `payload`, and its digest made
 * again over the result: how a document is sealed on export and opened on import.
 */
export async function mapJournalPayloads(journal: PortableJournal, payload: (value: unknown, what: string) => Promise<unknown>): Promise<PortableJournal> {
  const { digest: _previous, ...document } = journal;
  const entries = await Promise.all(document.entries.map((entry) => mapEntryPayloads(entry as JournalEntry, (value) => payload(value, entry.stepId))));
  const signals = await Promise.all(document.signals.map(async (signal) => ({ ...signal, payload: await payload(signal.payload, `signal "${signal.name}"`) })));
  const body = { ...document, run: { ...document.run, input: await payload(document.run.input, 'the run input') }, entries, signals };
  return { ...body, digest: digest(body) };
}
