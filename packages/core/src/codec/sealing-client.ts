import type { DriverClient, RunDescription, RunStart, StartRunRequest } from '../driver/driver.ts';
import { digest } from '../journal/digest.ts';
import { withCompletionMetadata, type JournalEntry } from '../journal/journal-entry.ts';
import type { PendingSignal, SeededJournal } from '../journal/seeded-journal.ts';
import { isSealedPayload, openPayload, sealPayload, type PayloadCodec } from './payload-codec.ts';
import { mapEntryPayloads } from './entry-payloads.ts';

/**
 * The client's side of the seal, around the driver's client: a run's input, its signals and a
 * seeded journal are sealed before they reach the engine; outputs, inputs and journal entries are
 * opened on the way back. Without a codec it seals nothing and refuses a sealed payload with
 * `PayloadKeyError` naming its key; a run list shows a sealed output as it is stored.
 */
export class SealingClient implements DriverClient {
  readonly #inner: DriverClient;
  readonly #codec: PayloadCodec | undefined;
  readonly readRunEnd: DriverClient['readRunEnd'];

  constructor(inner: DriverClient, codec: PayloadCodec | undefined) {
    this.#inner = inner;
    this.#codec = codec;
    this.readRunEnd = inner.readRunEnd?.bind(inner);
  }

  async startRun(request: StartRunRequest) {
    const input = await this.#seal(request.input);
    const seeded = request.seeded && (await this.#sealSeeded(request.seeded));
    return this.#inner.startRun({ ...request, input, ...(seeded ? { seeded } : {}) });
  }

  async signalRun(runId: string, name: string, payload: unknown) {
    return this.#inner.signalRun(runId, name, await this.#seal(payload));
  }

  async describeRun(runId: string) {
    return this.#openRun(await this.#inner.describeRun(runId));
  }

  async awaitRun(runId: string, timeoutMs?: number) {
    return this.#openRun(await this.#inner.awaitRun(runId, timeoutMs));
  }

  async readRunStart(runId: string): Promise<RunStart> {
    const start = await this.#inner.readRunStart(runId);
    return { ...start, input: await this.#open(start.input, `the input of run "${runId}"`) };
  }

  async readJournal(runId: string): Promise<JournalEntry[]> {
    return Promise.all((await this.#inner.readJournal(runId)).map((entry) => this.#openEntry(runId, entry)));
  }

  requestMigration(runId: string, to: string) {
    return this.#inner.requestMigration(runId, to);
  }

  redriveRun(runId: string) {
    return this.#inner.redriveRun(runId);
  }

  /** Outputs opened where this client can; a list must not fail for one run sealed with a key it lacks. */
  async listRuns(options?: { limit?: number }) {
    return Promise.all((await this.#inner.listRuns(options)).map((run) => this.#openRun(run).catch(() => run)));
  }

  close() {
    return this.#inner.close();
  }

  #seal(value: unknown): Promise<unknown> {
    return this.#codec ? sealPayload(this.#codec, value) : Promise.resolve(value);
  }

  #open(value: unknown, what: string): Promise<unknown> {
    return openPayload(this.#codec, value, `this client, reading ${what}`);
  }

  async #sealSeeded(seeded: SeededJournal): Promise<SeededJournal> {
    if (!this.#codec) return seeded;
    const entries = await Promise.all(seeded.entries.map((entry) => mapEntryPayloads(entry, (value) => this.#seal(value))));
    return { ...seeded, entries, signals: await this.#sealSignals(seeded.signals) };
  }

  async #sealSignals(signals: PendingSignal[]): Promise<PendingSignal[]> {
    return Promise.all(signals.map(async (signal) => ({ ...signal, payload: await this.#seal(signal.payload) })));
  }

  async #openRun(run: RunDescription): Promise<RunDescription> {
    const what = `the output of run "${run.runId}"`;
    const output = run.output === undefined ? {} : { output: await this.#open(run.output, what) };
    const migration = run.migration && {
      migration: {
        ...run.migration,
        signals: await Promise.all(run.migration.signals.map(async (signal) => ({ ...signal, payload: await this.#open(signal.payload, `a signal of run "${run.runId}"`) }))),
      },
    };
    return { ...run, ...output, ...migration };
  }

  /** An entry as a run without a codec would journal it: payloads in clear, digest and completion facts read from them. */
  async #openEntry(runId: string, entry: JournalEntry): Promise<JournalEntry> {
    let sealed = false;
    const opened = await mapEntryPayloads(entry, (value) => {
      sealed ||= isSealedPayload(value);
      return this.#open(value, `step "${entry.stepId}" of run "${runId}"`);
    });
    if (!sealed) return entry;
    const { completion: _sealed, ...rest } = opened;
    return withCompletionMetadata({ ...rest, ...(rest.input === undefined ? {} : { inputDigest: digest(rest.input ?? null) }) });
  }
}
