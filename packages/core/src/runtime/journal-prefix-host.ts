import { JournalDocumentError } from '../errors/migration-errors.ts';
import { deserializeError } from '../errors/ratchet-error.ts';
import type { JournalEntry } from '../journal/journal-entry.ts';
import type { OpenWait } from '../journal/seeded-journal.ts';
import { assertSameStep } from './assert-same-step.ts';
import type { DurableHost, EffectCall, EffectResult, SignalOutcome, StepCall } from './durable-host.ts';

/**
 * A host that answers a run's first steps from a journal it was handed, then hands over to the
 * engine's own host. It is how a run continues where another journal left off without asking
 * anyone again: a Temporal run after continue-as-new (its earlier history is in previous runs), a run
 * imported from another engine, a fork seeded with the steps before k.
 *
 * The prefix is checked as strictly as a replay: a different step at a position raises
 * `NonDeterminismError` before anything past it runs. A step that failed terminally in the prefix
 * throws its journaled error again. With `openWait` (a run that stopped for migration inside a
 * sleep or signal wait), the step right after the prefix must be that wait, and it resumes with the
 * deadline it had, not a fresh one: the inner host is asked for what is left of it.
 */
export class JournalPrefixHost implements DurableHost {
  readonly runId: string;
  readonly agent: string;
  readonly seed: string;
  readonly execution: number;
  readonly #prefix: readonly JournalEntry[];
  readonly #inner: DurableHost;
  readonly #openWait: OpenWait | undefined;

  constructor(prefix: readonly JournalEntry[], inner: DurableHost, options: { openWait?: OpenWait } = {}) {
    prefix.forEach((entry, index) => {
      if (entry.position !== index) throw new JournalDocumentError('malformed', `a journal prefix must hold positions 0..n in order; found ${entry.position} at ${index}`);
    });
    this.#prefix = prefix;
    this.#inner = inner;
    this.#openWait = options.openWait;
    if (this.#openWait && this.#openWait.position !== prefix.length) {
      throw new JournalDocumentError('malformed', `an open wait must follow the prefix: it is at ${this.#openWait.position}, the prefix holds ${prefix.length}`);
    }
    this.runId = inner.runId;
    this.agent = inner.agent;
    this.seed = inner.seed;
    this.execution = inner.execution;
  }

  /** How many steps the prefix answers. */
  get length(): number {
    return this.#prefix.length;
  }

  async effect(call: EffectCall): Promise<EffectResult> {
    const entry = this.#entry(call);
    if (!entry) return this.#inner.effect(call);
    if (entry.status === 'failed') throw deserializeError(entry.error!);
    return { output: entry.output ?? null, compensable: entry.compensable === true };
  }

  async sleep(call: StepCall & { durationMs: number }): Promise<void> {
    if (this.#entry(call)) return;
    const left = this.#leftOfOpenWait(call);
    return this.#inner.sleep(left === undefined ? call : { ...call, durationMs: left });
  }

  async waitForSignal(call: StepCall & { signal: string; timeoutMs?: number }): Promise<SignalOutcome> {
    const entry = this.#entry(call);
    if (entry) return entry.output as SignalOutcome;
    const left = this.#leftOfOpenWait(call);
    return this.#inner.waitForSignal(left === undefined ? call : { ...call, timeoutMs: left });
  }

  async now(call: StepCall): Promise<number> {
    const entry = this.#entry(call);
    return entry ? (entry.output as number) : this.#inner.now(call);
  }

  #entry(call: StepCall): JournalEntry | undefined {
    const entry = this.#prefix[call.position];
    if (entry) assertSameStep(call.position, entry.stepId, call.stepId);
    else if (this.#openWait?.position === call.position) assertSameStep(call.position, this.#openWait.stepId, call.stepId);
    return entry;
  }

  /** What is left of the open wait's deadline, for the call that resumes it (host time: deterministic where it must be). */
  #leftOfOpenWait(call: StepCall): number | undefined {
    const wait = this.#openWait;
    if (wait?.position !== call.position || wait.deadline === undefined) return undefined;
    return Math.max(0, wait.deadline - Date.now());
  }
}
