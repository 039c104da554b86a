import type { JournalEntry, StepKind } from '../journal/journal-entry.ts';

/** Entries whose input and output are an effect's, which the host seals whole. */
const effectKinds: ReadonlySet<StepKind> = new Set(['step', 'tool', 'llm', 'prompt', 'compensation']);

/**
 * A journal entry with the payloads a sealed run keeps sealed passed through `payload`: an effect's
 * input and output, and a received signal's payload (inside its `{ received, payload }` output).
 * Sleeps, `now` and the rest are the engine's own facts and stay as they are.
 */
export async function mapEntryPayloads(entry: JournalEntry, payload: (value: unknown) => Promise<unknown>): Promise<JournalEntry> {
  if (effectKinds.has(entry.kind)) {
    const [input, output] = await Promise.all([entry.input === undefined ? undefined : payload(entry.input), entry.output === undefined ? undefined : payload(entry.output)]);
    return { ...entry, ...(input === undefined ? {} : { input }), ...(output === undefined ? {} : { output }) };
  }
  const signal = entry.output as { received?: unknown; payload?: unknown } | undefined;
  if (entry.kind === 'signal' && signal?.received === true) return { ...entry, output: { ...signal, payload: await payload(signal.payload) } };
  return entry;
}
