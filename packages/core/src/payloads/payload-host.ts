import type { EffectRunner } from '../driver/driver.ts';
import { isUnreadablePayloadError, type PayloadKeyError, type PayloadStoreError } from '../errors/payload-errors.ts';
import type { DurableHost, EffectCall, EffectResult, SignalOutcome, StepCall } from '../runtime/durable-host.ts';
import { plainPayloads, type JournalPayloads } from './journal-payloads.ts';

/**
 * The host the agent sees: what it hands an effect is encoded (sealed, offloaded) before the driver
 * journals it, and what the journal answers (an effect's output, a signal's payload) is decoded
 * before the agent reads it. With nothing configured it changes nothing, but still refuses a sealed
 * or offloaded payload by name instead of handing the agent ciphertext or a reference.
 *
 * A payload this worker cannot read is the worker's failure, not the run's: the first one is kept
 * (`failure`), every later call throws it again, and `executeAgent` throws it out of the execution
 * so the engine gives the run to another worker, as after a crash.
 */
export class PayloadHost implements DurableHost {
  readonly #inner: DurableHost;
  readonly #payloads: JournalPayloads;
  failure: PayloadKeyError | PayloadStoreError | undefined;

  constructor(inner: DurableHost, payloads: JournalPayloads = plainPayloads) {
    this.#inner = inner;
    this.#payloads = payloads;
  }

  get runId() {
    return this.#inner.runId;
  }
  get agent() {
    return this.#inner.agent;
  }
  get seed() {
    return this.#inner.seed;
  }
  get execution() {
    return this.#inner.execution;
  }

  async effect(call: EffectCall): Promise<EffectResult> {
    this.#refuseAfterFailure();
    const result = await this.#inner.effect({ ...call, input: await this.#payloads.encode(call.input) });
    return { ...result, output: await this.decode(result.output, `step "${call.stepId}"`) };
  }

  sleep(call: StepCall & { durationMs: number }): Promise<void> {
    this.#refuseAfterFailure();
    return this.#inner.sleep(call);
  }

  async waitForSignal(call: StepCall & { signal: string; timeoutMs?: number }): Promise<SignalOutcome> {
    this.#refuseAfterFailure();
    const outcome = await this.#inner.waitForSignal(call);
    return outcome.received ? { received: true, payload: await this.decode(outcome.payload, `signal "${call.signal}"`) } : outcome;
  }

  now(call: StepCall): Promise<number> {
    this.#refuseAfterFailure();
    return this.#inner.now(call);
  }

  /** A journaled payload decoded for the agent; a failure to read it is kept (see the class). */
  async decode(value: unknown, what: string): Promise<unknown> {
    try {
      return await this.#payloads.decode(value, `the worker running ${what} of run "${this.runId}"`);
    } catch (error) {
      if (isUnreadablePayloadError(error)) this.failure ??= error;
      throw error;
    }
  }

  encode(value: unknown): Promise<unknown> {
    return this.#payloads.encode(value);
  }

  #refuseAfterFailure(): void {
    if (this.failure) throw this.failure;
  }
}

/**
 * The worker's side: an effect's input is decoded before its implementation runs, and its output
 * encoded before the driver journals it. Carries the payloads for the driver to hand to
 * `executeAgent`.
 */
export function payloadRunner(runner: EffectRunner, payloads: JournalPayloads): EffectRunner {
  return {
    agents: runner.agents,
    payloads,
    async execute(target, input, context) {
      const result = await runner.execute(target, await payloads.decode(input, `the worker running step "${context.stepId}"`), context);
      return { ...result, output: await payloads.encode(result.output) };
    },
  };
}
