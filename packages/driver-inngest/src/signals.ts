import type { PendingSignal } from '@ratchet/core';
import { parseEventData, signalEventDataSchema } from './protocol.ts';
import type { StoredEvent } from './server-api.ts';

/** A signal a run can consume: one it was seeded with, or a signal event the server keeps. */
export interface BufferedSignal {
  /** `seeded#{index}` for a seeded signal, else the event's `internal_id`; journaled when consumed. */
  id: string;
  name: string;
  payload: unknown;
}

/**
 * A run's signals in the order it must receive them: the seeded ones (handed over by the run it
 * continues, received before any sent here), then its signal events oldest first. Migration
 * wake-ups travel with the signal events but are not signals.
 */
export function bufferedSignals(seeded: readonly PendingSignal[] | undefined, events: readonly StoredEvent[]): BufferedSignal[] {
  const fromSeed = (seeded ?? []).map((signal, index) => ({ id: `seeded#${index}`, name: signal.name, payload: signal.payload ?? null }));
  const sent = events
    .map((event) => ({ id: event.internal_id, data: parseEventData(signalEventDataSchema, event.data, `the signal event ${event.internal_id} (${event.name})`) }))
    .filter(({ data }) => data.wake !== true)
    .map(({ id, data }) => ({ id, name: data.name, payload: data.payload ?? null }));
  return [...fromSeed, ...sent];
}

/** The signals not consumed yet, in arrival order: what a migrated run hands over. */
export function pendingSignals(signals: readonly BufferedSignal[], consumed: ReadonlySet<string>): PendingSignal[] {
  return signals.filter((signal) => !consumed.has(signal.id)).map(({ name, payload }) => ({ name, payload }));
}
