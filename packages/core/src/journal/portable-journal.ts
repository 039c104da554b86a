import { z } from 'zod';
import { JournalDocumentError } from '../errors/migration-errors.ts';
import { budgetLimitsSchema } from '../llm/budget.ts';
import { runOptionsSchema } from '../runtime/run-options.ts';
import type { RunDescription, RunStart } from '../driver/driver.ts';
import { canonicalJson, digest } from './digest.ts';
import { journalUsage, type JournalEntry } from './journal-entry.ts';
import type { OpenWait, PendingSignal, SeededJournal } from './seeded-journal.ts';

export const journalFormat = 'ratchet.journal';
/** The format version this Ratchet writes and reads. A document from a newer one is refused. */
export const journalFormatVersion = 1;

const serializedErrorSchema = z.object({
  name: z.string(),
  kind: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  retryAfterMs: z.number().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

const usageSchema = z.object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number() });

const journalEntrySchema = z.object({
  position: z.int().nonnegative(),
  stepId: z.string().min(1),
  kind: z.enum(['step', 'tool', 'llm', 'prompt', 'sleep', 'signal', 'now', 'compensation']),
  name: z.string(),
  inputDigest: z.string(),
  input: z.unknown().optional(),
  status: z.enum(['completed', 'failed']),
  output: z.unknown().optional(),
  error: serializedErrorSchema.optional(),
  attempts: z.int().nonnegative(),
  startedAt: z.number(),
  completedAt: z.number(),
  execution: z.int().nonnegative(),
  compensable: z.boolean().optional(),
  completion: z
    .object({
      provider: z.string(),
      model: z.string(),
      requested: z.string(),
      usage: usageSchema,
      finishReason: z.enum(['stop', 'length', 'tool-calls', 'content-filter', 'other']),
      routeAttempts: z.array(
        z.object({
          model: z.string(),
          outcome: z.enum(['answered', 'failed', 'skipped']),
          errorClass: z.string().optional(),
          reason: z.enum(['context-window', 'budget', 'cooldown', 'no-provider']).optional(),
          latencyMs: z.number(),
        }),
      ),
      costUsd: z.number().optional(),
      prompt: z.object({ name: z.string(), version: z.string() }).optional(),
    })
    .optional(),
});

const pendingSignalSchema = z.strictObject({ name: z.string(), payload: z.unknown() });
const openWaitSchema = z.strictObject({
  position: z.int().nonnegative(),
  stepId: z.string(),
  kind: z.enum(['sleep', 'signal']),
  deadline: z.number().optional(),
});

/** A `SeededJournal` as a driver stores it with a run (its start request). */
export const seededJournalSchema = z.strictObject({
  entries: z.array(journalEntrySchema),
  signals: z.array(pendingSignalSchema),
  openWait: openWaitSchema.optional(),
});

/**
 * A run's journal as one document, the same whichever engine it was read from: enough to inspect
 * the run, to continue it on another engine (migration) or to start a new run from a step of it
 * (fork). Everything but `digest` is covered by `digest`, so a changed or cut document is refused.
 * Specified in docs/journal-format.md.
 */
export const portableJournalSchema = z.strictObject({
  format: z.literal(journalFormat),
  version: z.literal(journalFormatVersion),
  run: z.strictObject({
    id: z.string().min(1),
    agent: z.string().min(1),
    status: z.enum(['pending', 'running', 'waiting', 'completed', 'failed', 'dead-lettered', 'migrated']),
    input: z.unknown(),
    inputDigest: z.string(),
    seed: z.string(),
    options: runOptionsSchema.optional(),
    createdAt: z.number(),
  }),
  /** A digest of the ordered step ids: two runs with the same structure have the same value. */
  structure: z.string(),
  /** How many entries the exporter wrote; fewer means the document was cut. */
  entryCount: z.int().nonnegative(),
  entries: z.array(journalEntrySchema),
  /** The prompt versions the run pinned, in the order it pinned them. */
  prompts: z.array(z.strictObject({ stepId: z.string(), name: z.string(), version: z.string() })),
  /** The run's budget override (the agent's own limits are in its code) and what its completions used. */
  budget: z.strictObject({
    override: budgetLimitsSchema.optional(),
    used: z.strictObject({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number(), costUsd: z.number() }),
  }),
  /** Signals received and not consumed (a migrated run's), delivered first by the run that continues it. */
  signals: z.array(pendingSignalSchema),
  /** The sleep or signal wait a migrated run stopped in, with its deadline. */
  openWait: openWaitSchema.optional(),
  /** Completed steps with a compensation not run yet, oldest first: what a later failure undoes. */
  compensations: z.array(z.strictObject({ stepId: z.string(), name: z.string() })),
  /** For a migrated run: the driver it moved to and when it stopped. */
  migration: z.strictObject({ to: z.string(), stoppedAt: z.number() }).optional(),
  digest: z.string(),
});

export type PortableJournal = z.output<typeof portableJournalSchema>;

/** Builds the document for a run from what its driver reads back. Deterministic: the same run gives the same document. */
export function buildPortableJournal(run: RunDescription, start: RunStart, journal: readonly JournalEntry[]): PortableJournal {
  const all = JSON.parse(JSON.stringify(journal)) as JournalEntry[];
  // What a migrated run hands over is what the run continuing it can answer: the entries up to the
  // first gap (a step beside one still in flight, in a `Promise.all`, may have been journaled first).
  // The steps past it run again there, under the same idempotency keys.
  const entries = run.status === 'migrated' ? contiguousPrefix(all) : all;
  const openWait = run.migration?.openWait?.position === entries.length ? run.migration.openWait : undefined;
  const used = journalUsage(entries);
  const body: Omit<PortableJournal, 'digest'> = {
    format: journalFormat,
    version: journalFormatVersion,
    run: {
      id: run.runId,
      agent: run.agent,
      status: run.status,
      input: JSON.parse(JSON.stringify(start.input ?? null)),
      inputDigest: start.inputDigest,
      seed: start.seed,
      ...(start.options && Object.keys(start.options).length ? { options: start.options } : {}),
      createdAt: run.createdAt,
    },
    structure: structureDigest(entries),
    entryCount: entries.length,
    entries,
    prompts: entries
      .filter((entry) => entry.kind === 'prompt' && entry.status === 'completed')
      .map((entry) => ({ stepId: entry.stepId, name: entry.name, version: String((entry.output as { version: string }).version) })),
    budget: { ...(start.options?.budget ? { override: start.options.budget } : {}), used },
    signals: run.migration?.signals ?? [],
    ...(openWait ? { openWait } : {}),
    compensations: compensationStack(entries),
    ...(run.migration ? { migration: { to: run.migration.to, stoppedAt: run.migration.stoppedAt } } : {}),
  };
  return { ...body, digest: digest(body) };
}

/**
 * Reads a document (its JSON text or the parsed value) and checks it whole before anything uses it:
 * the format and version, the schema, that no entry is missing, and the digest. Throws
 * `JournalDocumentError` naming the problem. A `__proto__` key in an error's data is left out of
 * what it returns (zod's guard against prototype pollution); the digest still covers it.
 */
export function parsePortableJournal(document: string | unknown): PortableJournal {
  const value = typeof document === 'string' ? parseJsonText(document) : document;
  if (typeof value !== 'object' || value === null || (value as { format?: unknown }).format !== journalFormat) {
    throw new JournalDocumentError('malformed', `not a Ratchet journal (expected "format": "${journalFormat}")`);
  }
  const version = (value as { version?: unknown }).version;
  if (typeof version === 'number' && Number.isInteger(version) && version > journalFormatVersion) {
    throw new JournalDocumentError(
      'unsupported-version',
      `format version ${version} is newer than this Ratchet reads (${journalFormatVersion}); upgrade @ratchet/core to import it`,
      { version, supported: journalFormatVersion },
    );
  }
  const parsed = portableJournalSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
    throw new JournalDocumentError('malformed', issues.join('; '), { issues });
  }
  const journal = parsed.data;
  if (journal.entries.length < journal.entryCount) {
    throw new JournalDocumentError('truncated', `it holds ${journal.entries.length} of its ${journal.entryCount} entries`);
  }
  journal.entries.forEach((entry, index) => {
    const previous = journal.entries[index - 1]?.position ?? -1;
    if (entry.position <= previous) throw new JournalDocumentError('malformed', `entry ${index} has position ${entry.position}, not after ${previous}: entries go in position order`);
  });
  if (journal.run.status === 'migrated' && contiguousPrefix(journal.entries as JournalEntry[]).length !== journal.entries.length) {
    throw new JournalDocumentError('truncated', 'a migrated run hands over positions 0..n, and an entry is missing');
  }
  // The digest is checked over the document as given, not as zod read it: zod drops `__proto__` keys
  // (an error's data may hold one), and a genuine document must not read as tampered for that.
  const { digest: claimed, ...body } = value as Record<string, unknown>;
  if (digest(body) !== claimed || structureDigest(journal.entries as JournalEntry[]) !== journal.structure) {
    throw new JournalDocumentError('tampered', 'its digest does not match its content: it was changed after it was exported');
  }
  return journal;
}

/** The document as text: keys sorted, two-space indent. The same run always prints the same. */
export function formatPortableJournal(journal: PortableJournal): string {
  return `${JSON.stringify(JSON.parse(canonicalJson(journal)), null, 2)}\n`;
}

/** What a run continuing this document starts from: its entries, its pending signals, its open wait. */
export function seededJournalOf(journal: PortableJournal, options: { entries?: number } = {}): SeededJournal {
  const all = journal.entries as JournalEntry[];
  const whole = options.entries === undefined || options.entries === all.length;
  return {
    entries: whole ? all : all.slice(0, options.entries),
    signals: whole ? (journal.signals as PendingSignal[]) : [],
    ...(whole && journal.openWait ? { openWait: journal.openWait as OpenWait } : {}),
  };
}

/** The entries at positions 0, 1, 2, … up to the first one missing: what a run continuing them can answer. */
export function contiguousPrefix<E extends { position: number }>(entries: readonly E[]): E[] {
  const end = entries.findIndex((entry, index) => entry.position !== index);
  return end === -1 ? [...entries] : entries.slice(0, end);
}

export function structureDigest(entries: readonly JournalEntry[]): string {
  return digest(entries.map((entry) => entry.stepId));
}

function compensationStack(entries: readonly JournalEntry[]): { stepId: string; name: string }[] {
  const undone = new Set(entries.filter((entry) => entry.kind === 'compensation').map((entry) => (entry.input as { stepId?: string } | undefined)?.stepId));
  return entries
    .filter((entry) => entry.compensable && entry.status === 'completed' && !undone.has(entry.stepId))
    .map((entry) => ({ stepId: entry.stepId, name: entry.name }));
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    // A cut file fails where the text ends: JSON.parse says "end of JSON input" or names that position.
    const at = /at position (\d+)/.exec(message);
    const atEnd = /end of (JSON )?input/i.test(message) || (at !== null && Number(at[1]) >= text.trimEnd().length);
    if (atEnd) {
      throw new JournalDocumentError('truncated', `the text ends before the document does (${message})`);
    }
    throw new JournalDocumentError('malformed', `not JSON (${message})`);
  }
}
