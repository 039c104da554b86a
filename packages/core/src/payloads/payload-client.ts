import type { DriverClient, RunDescription, RunStart, StartRunRequest } from '../driver/driver.ts';
import { digest } from '../journal/digest.ts';
import { withCompletionMetadata, type JournalEntry } from '../journal/journal-entry.ts';
import type { PendingSignal, SeededJournal } from '../journal/seeded-journal.ts';
import { isEncodedPayload, type JournalPayloads } from './journal-payloads.ts';
import { mapEntryPayloads } from './entry-payloads.ts';

/**
 * The client's side, around the driver's client: a run's input, its signals and a seeded journal
 * are encoded (sealed, offloaded) before they reach the engine; outputs, inputs and journal entries
 * are decoded on the way back. With nothing configured it changes nothing and refuses a sealed or
 * offloaded payload by name; a run list shows such an output as it is stored.
 */
export class PayloadClient implements DriverClient {
  readonly #inner: DriverClient;
  readonly #payloads: JournalPayloads;
  readonly readRunEnd: DriverClient['readRunEnd'];

  constructor(inner: DriverClient, payloads: JournalPayloads) {
    this.#inner = inner;
    this.#payloads = payloads;
    this.readRunEnd = inner.readRunEnd?.bind(inner);
  }

  async startRun(request: StartRunRequest) {
    const input = await this.#encode(request.input);
    const seeded = request.seeded && (await this.#encodeSeeded(request.seeded));
    return this.#inner.startRun({ ...request, input, ...(seeded ? { seeded } : {}) });
  }

  async signalRun(runId: string, name: string, payload: unknown) {
    return this.#inner.signalRun(runId, name, await this.#encode(payload));
  }

  async describeRun(runId: string) {
    return this.#decodeRun(await this.#inner.describeRun(runId));
  }

  async awaitRun(runId: string, timeoutMs?: number) {
    return this.#decodeRun(await this.#inner.awaitRun(runId, timeoutMs));
  }

  async readRunStart(runId: string): Promise<RunStart> {
    const start = await this.#inner.readRunStart(runId);
    return { ...start, input: await this.#decode(start.input, `the input of run "${runId}"`) };
  }

  async readJournal(runId: string): Promise<JournalEntry[]> {
    return Promise.all((await this.#inner.readJournal(runId)).map((entry) => this.#decodeEntry(runId, entry)));
  }

  requestMigration(runId: string, to: string) {
    return this.#inner.requestMigration(runId, to);
  }

  redriveRun(runId: string) {
    return this.#inner.redriveRun(runId);
  }

  /** Outputs decoded where this client can; a list must not fail for one run it cannot read. */
  async listRuns(options?: { limit?: number }) {
    return Promise.all((await this.#inner.listRuns(options)).map((run) => this.#decodeRun(run).catch(() => run)));
  }

  close() {
    return this.#inner.close();
  }

  #encode(value: unknown): Promise<unknown> {
    return this.#payloads.encode(value);
  }

  #decode(value: unknown, what: string): Promise<unknown> {
    return this.#payloads.decode(value, `this client, reading ${what}`);
  }

  async #encodeSeeded(seeded: SeededJournal): Promise<SeededJournal> {
    if (!this.#payloads.active) return seeded;
    const entries = await Promise.all(seeded.entries.map((entry) => mapEntryPayloads(entry, (value) => this.#encode(value))));
    return { ...seeded, entries, signals: await this.#encodeSignals(seeded.signals) };
  }

  async #encodeSignals(signals: PendingSignal[]): Promise<PendingSignal[]> {
    return Promise.all(signals.map(async (signal) => ({ ...signal, payload: await this.#encode(signal.payload) })));
  }

  async #decodeRun(run: RunDescription): Promise<RunDescription> {
    const what = `the output of run "${run.runId}"`;
    const output = run.output === undefined ? {} : { output: await this.#decode(run.output, what) };
    const migration = run.migration && {
      migration: {
        ...run.migration,
        signals: await Promise.all(run.migration.signals.map(async (signal) => ({ ...signal, payload: await this.#decode(signal.payload, `a signal of run "${run.runId}"`) }))),
      },
    };
    return { ...run, ...output, ...migration };
  }

  /** An entry as a run with nothing configured would journal it: payloads in clear, digest and completion facts read from them. */
  async #decodeEntry(runId: string, entry: JournalEntry): Promise<JournalEntry> {
    let encoded = false;
    const opened = await mapEntryPayloads(entry, (value) => {
      encoded ||= isEncodedPayload(value);
      return this.#decode(value, `step "${entry.stepId}" of run "${runId}"`);
    });
    if (!encoded) return entry;
    const { completion: _sealed, ...rest } = opened;
    return withCompletionMetadata({ ...rest, ...(rest.input === undefined ? {} : { inputDigest: digest(rest.input ?? null) }) });
  }
}
