import type { EffectRunner } from '../driver/driver.ts';
import { isPayloadKeyError, type PayloadKeyError } from '../errors/payload-errors.ts';
import type { DurableHost, EffectCall, EffectResult, SignalOutcome, StepCall } from '../runtime/durable-host.ts';
import { openPayload, sealPayload, type PayloadCodec } from './payload-codec.ts';

/**
 * The host the agent sees when payloads are sealed: what it hands an effect is sealed before the
 * driver journals it, and what the journal answers (an effect's output, a signal's payload) is
 * opened before the agent reads it. Without a codec it seals nothing, but still refuses a sealed
 * payload with `PayloadKeyError` instead of handing the agent ciphertext.
 *
 * A payload this worker cannot open is the worker's failure, not the run's: the first one is kept
 * (`failure`), every later call throws it again, and `executeAgent` throws it out of the execution
 * so the engine gives the run to another worker, as after a crash.
 */
export class SealingHost implements DurableHost {
  readonly #inner: DurableHost;
  readonly #codec: PayloadCodec | undefined;
  failure: PayloadKeyError | undefined;

  constructor(inner: DurableHost, codec: PayloadCodec | undefined) {
    this.#inner = inner;
    this.#codec = codec;
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
    const input = this.#codec ? await sealPayload(this.#codec, call.input) : call.input;
    const result = await this.#inner.effect({ ...call, input });
    return { ...result, output: await this.open(result.output, `step "${call.stepId}"`) };
  }

  sleep(call: StepCall & { durationMs: number }): Promise<void> {
    this.#refuseAfterFailure();
    return this.#inner.sleep(call);
  }

  async waitForSignal(call: StepCall & { signal: string; timeoutMs?: number }): Promise<SignalOutcome> {
    this.#refuseAfterFailure();
    const outcome = await this.#inner.waitForSignal(call);
    return outcome.received ? { received: true, payload: await this.open(outcome.payload, `signal "${call.signal}"`) } : outcome;
  }

  now(call: StepCall): Promise<number> {
    this.#refuseAfterFailure();
    return this.#inner.now(call);
  }

  /** A journaled payload opened for the agent; a failure to open is kept (see the class). */
  async open(value: unknown, what: string): Promise<unknown> {
    try {
      return await openPayload(this.#codec, value, `the worker running ${what} of run "${this.runId}"`);
    } catch (error) {
      if (isPayloadKeyError(error)) this.failure ??= error;
      throw error;
    }
  }

  #refuseAfterFailure(): void {
    if (this.failure) throw this.failure;
  }
}

/**
 * The worker's side of the seal: an effect's input is opened before its implementation runs, and
 * its output sealed before the driver journals it. Carries the codec for the driver to hand to
 * `executeAgent`.
 */
export function sealingRunner(runner: EffectRunner, codec: PayloadCodec): EffectRunner {
  return {
    agents: runner.agents,
    codec,
    async execute(target, input, context) {
      const result = await runner.execute(target, await openPayload(codec, input, `the worker running step "${context.stepId}"`), context);
      return { ...result, output: await sealPayload(codec, result.output) };
    },
  };
}
