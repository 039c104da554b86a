import { deserializeError } from '../errors/ratchet-error.ts';
import type { JournalEntry } from '../journal/journal-entry.ts';
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
 * throws its journaled error again.
 */
export class JournalPrefixHost implements DurableHost {
  readonly runId: string;
  readonly agent: string;
  readonly seed: string;
  readonly execution: number;
  readonly #prefix: readonly JournalEntry[];
  readonly #inner: DurableHost;

  constructor(prefix: readonly JournalEntry[], inner: DurableHost) {
    prefix.forEach((entry, index) => {
      if (entry.position !== index) throw new Error(`A journal prefix must hold positions 0..n in order; found ${entry.position} at ${index}`);
    });
    this.#prefix = prefix;
    this.#inner = inner;
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
    if (!this.#entry(call)) return this.#inner.sleep(call);
  }

  async waitForSignal(call: StepCall & { signal: string; timeoutMs?: number }): Promise<SignalOutcome> {
    const entry = this.#entry(call);
    return entry ? (entry.output as SignalOutcome) : this.#inner.waitForSignal(call);
  }

  async now(call: StepCall): Promise<number> {
    const entry = this.#entry(call);
    return entry ? (entry.output as number) : this.#inner.now(call);
  }

  #entry(call: StepCall): JournalEntry | undefined {
    const entry = this.#prefix[call.position];
    if (entry) assertSameStep(call.position, entry.stepId, call.stepId);
    return entry;
  }
}
