import type { AgentDeclaration } from '../declarations/agent.ts';
import { approvalSignalName } from '../context/context-impl.ts';
import { ConfigError, InputValidationError, RunConflictError, RunDeadLetteredError, RunEndedError, RunFailedError, UsageError } from '../errors/errors.ts';
import { MigrationError, RunMigratedError } from '../errors/migration-errors.ts';
import { buildPortableJournal, parsePortableJournal, seededJournalOf, type PortableJournal } from '../journal/portable-journal.ts';
import type { SeededJournal } from '../journal/seeded-journal.ts';
import { digest } from '../journal/digest.ts';
import { journalUsage, type JournalEntry } from '../journal/journal-entry.ts';
import type { SerializedError } from '../errors/ratchet-error.ts';
import { validate } from '../util/validation.ts';
import { runOptionsSchema, type RunOptions } from '../runtime/run-options.ts';
import type { Driver, DriverClient, RunDescription, RunEnd, RunStart } from './driver.ts';
import { JournalPayloads } from '../payloads/journal-payloads.ts';
import { mapJournalPayloads } from '../payloads/document-payloads.ts';
import { PayloadClient } from '../payloads/payload-client.ts';

export interface RunHandle<O> {
  readonly runId: string;
  /** False when a run with this id already existed (start is idempotent by run id). */
  readonly created: boolean;
  result(options?: { timeoutMs?: number }): Promise<O>;
}

export interface ApprovalDecision {
  by?: string;
  comment?: string;
}

/**
 * The client users hold, the same over every driver: it validates input before a run exists,
 * makes start idempotent by run id, and turns a run's end into a value or a typed error.
 */
export class RatchetClient {
  /** The driver this client talks to (`local`, `temporal`, ...): what a migration records as its target. */
  readonly driver: string;
  readonly #client: DriverClient;
  readonly #payloads: JournalPayloads;

  /** `payloads` encode exported documents and decode imported ones; the driver's client encodes what reaches the engine. */
  constructor(client: DriverClient, driver = 'unknown', payloads = new JournalPayloads()) {
    this.#client = client;
    this.driver = driver;
    this.#payloads = payloads;
  }

  /**
   * Starts a run. Invalid input throws `InputValidationError` and nothing is created. Starting again
   * with the same `runId` returns the existing run; a different agent or input throws `RunConflictError`.
   */
  async start<I, O, In>(agent: AgentDeclaration<I, O, In>, input: In, options: { runId?: string } & RunOptions = {}): Promise<RunHandle<O>> {
    const parsed = validate(agent.input, input, (issues) => new InputValidationError(agent.name, issues));
    const { runId: requestedId, ...settings } = options;
    const runOptions = validate(runOptionsSchema, settings, (issues) => new ConfigError(`Invalid run options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues }));
    const runId = requestedId ?? crypto.randomUUID();
    const inputDigest = digest(parsed);
    // The seed of ctx.random()/uuid() is the run id: the same sequence on every replay and every engine.
    const started = await this.#client.startRun({
      runId,
      agent: agent.name,
      input: parsed,
      inputDigest,
      seed: runId,
      ...(Object.keys(runOptions).length ? { options: runOptions } : {}),
    });
    if (!started.created && started.agent !== agent.name) throw new RunConflictError(runId, `for agent "${started.agent}"`);
    if (!started.created && started.inputDigest !== inputDigest) throw new RunConflictError(runId, 'with a different input');
    return { runId, created: started.created, result: (opts) => this.result<O>(runId, opts) };
  }

  /**
   * Waits for the run to end: its output, or `RunFailedError` (with the original error and the
   * compensations) or `RunDeadLetteredError` (redrive it after a fix).
   */
  async result<O = unknown>(runId: string, options: { timeoutMs?: number } = {}): Promise<O> {
    const run = await this.#client.awaitRun(runId, options.timeoutMs);
    if (run.status === 'completed') return run.output as O;
    if (run.status === 'dead-lettered') throw new RunDeadLetteredError(runId, run.deadLetter?.stepId, run.deadLetter?.error ?? unrecorded);
    if (run.status === 'migrated') throw new RunMigratedError(runId, run.migration?.to ?? 'unknown');
    throw new RunFailedError(runId, run.error ?? unrecorded, run.compensations ?? []);
  }

  /**
   * Sends a signal: a run waiting for it takes it now, a run that will wait for it later takes it
   * then. A run that has ended refuses it with `RunEndedError` (nothing is stored), one that moved
   * to another driver with `RunMigratedError`.
   */
  async signal(runId: string, name: string, payload: unknown = null): Promise<void> {
    await this.#refuseEnded(runId, `signal "${name}"`);
    return this.#client.signalRun(runId, name, payload);
  }

  approve(runId: string, name: string, decision: ApprovalDecision = {}): Promise<void> {
    return this.#decide(runId, name, { approved: true, ...decision });
  }

  reject(runId: string, name: string, decision: ApprovalDecision = {}): Promise<void> {
    return this.#decide(runId, name, { approved: false, ...decision });
  }

  async #decide(runId: string, name: string, decision: ApprovalDecision & { approved: boolean }): Promise<void> {
    await this.#refuseEnded(runId, `${decision.approved ? 'approve' : 'reject'} "${name}"`);
    return this.#client.signalRun(runId, approvalSignalName(name), decision);
  }

  /**
   * The same refusal on every driver (each engine would otherwise store, ignore or refuse it in its
   * own way). A run that ends between this read and the send is the engine's to settle.
   */
  async #refuseEnded(runId: string, action: string): Promise<void> {
    const end = this.#client.readRunEnd ? await this.#client.readRunEnd(runId) : runEndOf(await this.#client.describeRun(runId));
    if (end?.status === 'completed' || end?.status === 'failed') throw new RunEndedError(runId, end.status, action);
    if (end?.status === 'migrated') throw new RunMigratedError(runId, end.to);
  }

  /** The run's state, with the token usage of its completions. */
  async describe(runId: string): Promise<RunDescription> {
    const [run, journal] = await Promise.all([this.#client.describeRun(runId), this.#client.readJournal(runId)]);
    return { ...run, usage: journalUsage(journal) };
  }

  /** The run's journal, read back from the engine in the common entry model. */
  journal(runId: string): Promise<JournalEntry[]> {
    return this.#client.readJournal(runId);
  }

  /** Resumes a dead-lettered run at the step it stopped at; a run that has ended refuses with `RunEndedError`. */
  async redrive(runId: string): Promise<void> {
    await this.#refuseEnded(runId, 'redrive');
    return this.#client.redriveRun(runId);
  }

  /** The newest runs first; `limit` (default the driver's, 100 on most) is a positive whole number. */
  listRuns(options?: { limit?: number }): Promise<RunDescription[]> {
    const limit = options?.limit;
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
      return Promise.reject(new UsageError(`listRuns: limit must be a positive whole number, got ${limit}`, { limit }));
    }
    return this.#client.listRuns(options);
  }

  /**
   * The run as a portable journal document (docs/journal-format.md), from whichever engine this
   * client talks to. Reading it changes nothing; exporting the same run twice gives the same document
   * (unless it is sealed: each seal draws a fresh IV).
   * A migrated run's document also carries the signals it handed over and the wait it stopped in.
   */
  async export(runId: string, options: { sealed?: boolean } = {}): Promise<PortableJournal> {
    const [run, start, journal] = await Promise.all([this.#client.describeRun(runId), this.#client.readRunStart(runId), this.#client.readJournal(runId)]);
    const document = buildPortableJournal(run, start, journal);
    // Encoded as this client journals (sealed, offloaded): a document at rest holds no payload in
    // clear. `sealed: false` is for handing a run to another client in this process (migrateRun, forkRun).
    return this.#payloads.active && options.sealed !== false ? mapJournalPayloads(document, (value) => this.#payloads.encode(value)) : document;
  }

  /**
   * Continues an exported run here, under its own run id: its steps are answered from the document
   * (no tool runs again, no model is asked again), its pinned prompts, budget use and compensation
   * stack carry over, its pending signals are delivered first and an open wait keeps its deadline.
   * The document is checked whole first (`JournalDocumentError`); a run that is still live where it
   * was exported is refused (`MigrationError`: migrate it instead), since it must never run on two
   * engines at once. Idempotent: importing the same document again returns the run already there.
   */
  async import(document: string | unknown): Promise<RunHandle<unknown>> {
    const journal = await mapJournalPayloads(parsePortableJournal(document), (value, what) => this.#payloads.decode(value, `this client, importing ${what}`));
    if (!importableStatuses.has(journal.run.status)) {
      throw new MigrationError(
        journal.run.id,
        `Run "${journal.run.id}" was exported while ${journal.run.status}: it may still make progress where it is. Migrate it (ratchet migrate) to stop it there first, or fork it under a new run id`,
        { status: journal.run.status },
      );
    }
    const start = { input: journal.run.input, inputDigest: journal.run.inputDigest, seed: journal.run.seed, ...(journal.run.options ? { options: journal.run.options } : {}) };
    return this.startSeeded(journal.run.id, journal.run.agent, start, seededJournalOf(journal));
  }

  /**
   * Starts a run that continues a journal: the primitive under import, migration and fork. Same
   * run id again with the same agent and input is the run already there; otherwise `RunConflictError`.
   */
  async startSeeded(runId: string, agent: string, start: RunStart, seeded: SeededJournal): Promise<RunHandle<unknown>> {
    seeded.entries.forEach((entry, index) => {
      if (entry.position !== index) throw new MigrationError(runId, `A seeded journal holds positions 0..n in order; entry ${index} has position ${entry.position}`);
    });
    if (seeded.openWait && seeded.openWait.position !== seeded.entries.length) {
      throw new MigrationError(runId, `A seeded open wait must follow the entries: it is at ${seeded.openWait.position}, the entries end at ${seeded.entries.length}`);
    }
    const started = await this.#client.startRun({ runId, agent, input: start.input, inputDigest: start.inputDigest, seed: start.seed, ...(start.options ? { options: start.options } : {}), seeded });
    if (!started.created && started.agent !== agent) throw new RunConflictError(runId, `for agent "${started.agent}"`);
    if (!started.created && started.inputDigest !== start.inputDigest) throw new RunConflictError(runId, 'with a different input');
    return { runId, created: started.created, result: (opts) => this.result(runId, opts) };
  }

  /** The input, seed and options the run started with. */
  runStart(runId: string): Promise<RunStart> {
    return this.#client.readRunStart(runId);
  }

  /**
   * Asks a live run to stop at its next safe point and end here as `migrated` (see `migrateRun`,
   * which calls this and then imports the run on the target).
   */
  requestMigration(runId: string, to: string): Promise<void> {
    return this.#client.requestMigration(runId, to);
  }

  /** Waits for the run to end (completed, failed, dead-lettered or migrated) and describes it. */
  settled(runId: string, timeoutMs?: number): Promise<RunDescription> {
    return this.#client.awaitRun(runId, timeoutMs);
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}

/** What a driver reports when an engine kept no error for a failed run. */
const unrecorded: SerializedError = { name: 'Error', kind: 'unknown', message: 'the engine recorded no error', retryable: false };

/**
 * The client for a driver. With the driver's `codec` and `offload`, every payload is sealed and
 * offloaded before it reaches the engine and read back on the way out (by core, or by the driver
 * itself where it does so at the engine's own boundary: `capabilities.encodesPayloads`).
 */
export async function createClient(driver: Driver): Promise<RatchetClient> {
  const client = await driver.connectClient();
  const payloads = new JournalPayloads({ codec: driver.codec, offload: driver.offload });
  return new RatchetClient(driver.capabilities.encodesPayloads ? client : new PayloadClient(client, payloads), driver.name, payloads);
}

/** Exported runs that can be continued elsewhere: over where they were (or never to run there again). */
const importableStatuses: ReadonlySet<RunDescription['status']> = new Set(['migrated', 'completed', 'failed']);

/** How a described run ended, in the shape of `DriverClient.readRunEnd`. */
export function runEndOf(run: RunDescription): RunEnd | undefined {
  if (run.status === 'completed' || run.status === 'failed') return { status: run.status };
  if (run.status === 'migrated') return { status: 'migrated', to: run.migration?.to ?? 'unknown' };
  return undefined;
}
