import { pollUntilEnded, type DriverClient, type JournalEntry, type RunDescription, type StartRunRequest } from '@ratchet/core';
import { toJournalEntry } from './journal.ts';
import type { RunStore } from './run-store.ts';
import { runsChanged } from './wakeups.ts';

/** The local driver's client: reads and writes the same database the workers use. */
export class LocalClient implements DriverClient {
  readonly #store: RunStore;
  readonly #pollIntervalMs: number;
  readonly #onClose: () => void;
  /** Wakes this process's idle workers on the same file after a write they may act on. */
  readonly #changed: () => void;

  constructor(store: RunStore, options: { path: string; pollIntervalMs: number; onClose: () => void }) {
    this.#store = store;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#onClose = options.onClose;
    this.#changed = () => runsChanged(options.path);
  }

  async startRun(request: StartRunRequest) {
    const started = this.#store.insertRun(request, Date.now());
    this.#changed();
    return started;
  }

  async signalRun(runId: string, name: string, payload: unknown): Promise<void> {
    this.#store.signal(runId, name, payload, Date.now());
    this.#changed();
  }

  async describeRun(runId: string): Promise<RunDescription> {
    return this.#store.describe(runId);
  }

  async readRunStart(runId: string) {
    return this.#store.readRunStart(runId);
  }

  async requestMigration(runId: string, to: string): Promise<void> {
    this.#store.requestMigration(runId, to, Date.now());
    this.#changed();
  }

  async awaitRun(runId: string, timeoutMs?: number): Promise<RunDescription> {
    return pollUntilEnded(runId, async () => this.#store.describe(runId), { timeoutMs, intervalMs: this.#pollIntervalMs });
  }

  async readJournal(runId: string): Promise<JournalEntry[]> {
    this.#store.describe(runId); // throws RunNotFoundError for an unknown run
    return this.#store.loadJournal(runId).map(toJournalEntry);
  }

  async redriveRun(runId: string): Promise<void> {
    this.#store.redrive(runId, Date.now());
    this.#changed();
  }

  async listRuns(options: { limit?: number } = {}): Promise<RunDescription[]> {
    return this.#store.list(options.limit ?? 100);
  }

  async close(): Promise<void> {
    this.#onClose();
  }
}
