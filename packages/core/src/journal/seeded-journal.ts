import type { JournalEntry } from './journal-entry.ts';

/** A signal received and not consumed yet. */
export interface PendingSignal {
  name: string;
  payload: unknown;
}

/**
 * The sleep or signal wait a run was in when it stopped for migration. Its entry is not journaled
 * yet; the run that takes over resumes it with the same deadline, not a fresh one.
 */
export interface OpenWait {
  position: number;
  stepId: string;
  kind: 'sleep' | 'signal';
  /** When the sleep ends or the wait times out (epoch ms); absent for a wait with no timeout. */
  deadline?: number;
}

/**
 * What a run starts from when it continues another run's journal (import, migration, fork): the
 * entries answered without running anything, the signals to deliver first, the wait to resume.
 */
export interface SeededJournal {
  entries: JournalEntry[];
  signals: PendingSignal[];
  openWait?: OpenWait;
}

/** What a migrated run leaves behind on the engine it left. */
export interface MigrationRecord {
  /** The driver it moved to. */
  to: string;
  /** When the run stopped. */
  stoppedAt: number;
  /** Signals received and not consumed when it stopped, in arrival order. */
  signals: PendingSignal[];
  openWait?: OpenWait;
}
