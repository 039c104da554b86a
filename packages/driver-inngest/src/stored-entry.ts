import { digest, parseStepId, type JournalEntry, type SerializedError } from '@ratchet/core';
import type { EntryRecord } from './protocol.ts';

/**
 * A journal entry as runs of journal version 2 store it: the output of the step that produced it,
 * without what that step's id, the run's start event and the entry's input already say (step id,
 * kind, name, input digest, the time base) or what is the default (status completed, null input
 * and output, attempts and execution 1). Inngest keeps every output in the run's state and sends
 * it with every request, so a no-op step costs about as many bytes as a bare `step.run`'s.
 */
export interface CompactEntry {
  /** Position. */
  p: number;
  /** Input, unless null. */
  i?: unknown;
  /** Output of a completed entry, unless null. */
  o?: unknown;
  /** Error of a failed entry. */
  e?: SerializedError;
  /** `startedAt`, in milliseconds after the run's start event (its `ts`). */
  t: number;
  /** `completedAt − startedAt`, unless 0. */
  d?: number;
  /** Attempts, unless 1: the step id ends `@attempt#{a}`. */
  a?: number;
  /** Redrive generation, unless 0: the step id is `{stepId}~redrive{g}`, before any attempt suffix. */
  g?: number;
  /** Execution, unless 1. */
  x?: number;
  /** Set when the entry is compensable. */
  c?: true;
  /** The signal event a received signal consumed. */
  s?: string;
}

/** Whether a step output is a compact entry (every other record has a `ratchet` tag). */
export function isCompactEntry(value: unknown): value is CompactEntry {
  return typeof value === 'object' && value !== null && typeof (value as { p?: unknown }).p === 'number' && !('ratchet' in value);
}

/** The id of the step that holds an entry: its generation's id, and an attempt's suffix. */
export function entryStepName(stepId: string, generation: number, attempts: number): string {
  return `${generation === 0 ? stepId : `${stepId}~redrive${generation}`}${attempts > 1 ? `@attempt#${attempts}` : ''}`;
}

/**
 * The record to store for an entry the step `stepName` produced: compact when `decodeEntry` gives
 * the entry back exactly, else the full record (an input dropped for its size, a step id from
 * before attempts were chained).
 */
export function encodeEntry(record: EntryRecord, stepName: string, startEventTs: number): CompactEntry | EntryRecord {
  const { entry, signalEventId } = record;
  const generation = /^~redrive(\d+)/.exec(stepName.slice(entry.stepId.length))?.[1];
  const g = generation === undefined ? 0 : Number(generation);
  const parsed = parseStepId(entry.stepId);
  const exact =
    stepName === entryStepName(entry.stepId, g, entry.attempts) &&
    entry.input !== undefined &&
    entry.inputDigest === digest(entry.input) &&
    parsed.kind === entry.kind &&
    parsed.name === entry.name &&
    entry.completion === undefined &&
    (entry.status === 'failed' ? entry.error !== undefined && entry.output === undefined : entry.error === undefined && entry.output !== undefined);
  if (!exact) return record;
  const d = entry.completedAt - entry.startedAt;
  return {
    p: entry.position,
    ...(entry.input === null ? {} : { i: entry.input }),
    ...(entry.status === 'failed' ? { e: entry.error! } : entry.output === null ? {} : { o: entry.output }),
    t: entry.startedAt - startEventTs,
    ...(d === 0 ? {} : { d }),
    ...(entry.attempts === 1 ? {} : { a: entry.attempts }),
    ...(g === 0 ? {} : { g }),
    ...(entry.execution === 1 ? {} : { x: entry.execution }),
    ...(entry.compensable ? { c: true as const } : {}),
    ...(signalEventId === undefined ? {} : { s: signalEventId }),
  };
}

/** The step id a compact entry belongs to, from the name of the step that holds it. */
export function entryStepId(compact: CompactEntry, stepName: string): string {
  const suffix = entryStepName('', compact.g ?? 0, compact.a ?? 1);
  if (!stepName.endsWith(suffix)) throw new Error(`The Inngest step "${stepName}" holds a journal entry of attempt ${compact.a ?? 1} but does not end "${suffix}"`);
  return stepName.slice(0, stepName.length - suffix.length);
}

/** The full record of a compact entry of step `stepId`. */
export function decodeEntry(compact: CompactEntry, stepId: string, startEventTs: number): EntryRecord {
  const { kind, name } = parseStepId(stepId);
  const input = compact.i ?? null;
  const startedAt = startEventTs + compact.t;
  const entry: JournalEntry = {
    position: compact.p,
    stepId,
    kind,
    name,
    inputDigest: digest(input),
    input,
    ...(compact.e ? { status: 'failed' as const, error: compact.e } : { status: 'completed' as const, output: compact.o ?? null }),
    attempts: compact.a ?? 1,
    startedAt,
    completedAt: startedAt + (compact.d ?? 0),
    execution: compact.x ?? 1,
    ...(compact.c ? { compensable: true } : {}),
  };
  return { ratchet: 'entry', entry, ...(compact.s === undefined ? {} : { signalEventId: compact.s }) };
}
