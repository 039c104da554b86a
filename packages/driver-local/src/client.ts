import { pollUntilEnded, type DriverClient, type JournalEntry, type RunDescription, type StartRunRequest } from '@ratchet/core';
import { toJournalEntry } from './journal.ts';
import type { RunStore } from './run-store.ts';

/** The local driver's client: reads and writes the same database the workers use. */
export class LocalClient implements DriverClient {
  readonly #store: RunStore;
  readonly #pollIntervalMs: number;
  readonly #onClose: () => void;

  constructor(store: RunStore, options: { pollIntervalMs: number; onClose: () => void }) {
    this.#store = store;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#onClose = options.onClose;
  }

  async startRun(request: StartRunRequest) {
    return this.#store.insertRun(request, Date.now());
  }

  async signalRun(runId: string, name: string, payload: unknown): Promise<void> {
    this.#store.signal(runId, name, payload, Date.now());
  }

  async describeRun(runId: string): Promise<RunDescription> {
    return this.#store.describe(runId);
  }

  async readRunStart(runId: string) {
    return this.#store.readRunStart(runId);
  }

  async requestMigration(runId: string, to: string): Promise<void> {
    this.#store.requestMigration(runId, to, Date.now());
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
  }

  async listRuns(options: { limit?: number } = {}): Promise<RunDescription[]> {
    return this.#store.list(options.limit ?? 100);
  }

  async close(): Promise<void> {
    this.#onClose();
  }
}
