import type { AgentDeclaration } from '../declarations/agent.ts';
import { AgentContextImpl } from '../context/context-impl.ts';
import { InputValidationError, OutputValidationError, type CompensationRecord } from '../errors/errors.ts';
import { serializeError, type SerializedError } from '../errors/ratchet-error.ts';
import { validate } from '../util/validation.ts';
import type { DurableHost } from './durable-host.ts';
import { PayloadHost } from '../payloads/payload-host.ts';
import type { JournalPayloads } from '../payloads/journal-payloads.ts';
import { ExecutionInterrupt } from './execution-interrupt.ts';
import type { RunOptions } from './run-options.ts';

export type RunOutcome =
  | { status: 'completed'; output: unknown }
  | { status: 'failed'; error: SerializedError; compensations: CompensationRecord[] };

/**
 * One execution of a run on a host: replays what the journal holds, runs what it does not, and on
 * failure undoes the completed compensable steps in reverse order, each as a journaled effect (so a
 * crash during compensation resumes it, and nothing is compensated twice).
 *
 * With `payloads` (the worker's `EffectRunner.payloads`), the run's input and every journaled
 * payload are decoded for the agent and what it journals is encoded (sealed, offloaded:
 * `PayloadHost`), its output too. A payload this worker cannot read throws `PayloadKeyError` or
 * `PayloadStoreError` out of the execution: the run is not failed, the engine hands it to another
 * worker as after a crash.
 *
 * An `ExecutionInterrupt` (suspend, dead-letter) propagates to the driver untouched.
 */
export async function executeAgent(agent: AgentDeclaration, input: unknown, host: DurableHost, options: RunOptions = {}, payloads?: JournalPayloads): Promise<RunOutcome> {
  const payloadHost = new PayloadHost(host, payloads);
  const ctx = new AgentContextImpl(agent, payloadHost, options);
  let failure: unknown;
  let completed: { output: unknown } | undefined;
  try {
    const opened = await payloadHost.decode(input, 'the run input');
    const parsed = validate(agent.input, opened, (issues) => new InputValidationError(agent.name, issues));
    const output = await agent.run(ctx, parsed);
    if (ctx.interrupt) throw ctx.interrupt;
    if (payloadHost.failure) throw payloadHost.failure;
    completed = { output: validate(agent.output, output, (issues) => new OutputValidationError(`agent "${agent.name}"`, issues)) };
  } catch (error) {
    if (ctx.interrupt) throw ctx.interrupt;
    if (payloadHost.failure) throw payloadHost.failure;
    if (ExecutionInterrupt.isInstance(error)) throw error;
    failure = error;
  }
  // Encoded outside the try: a payload store that fails here is the worker's trouble, not the run's failure.
  if (completed) return { status: 'completed', output: await payloadHost.encode(completed.output) };

  const compensations: CompensationRecord[] = [];
  for (const step of [...ctx.compensable].reverse()) {
    try {
      await ctx.compensate(step);
      compensations.push({ stepId: step.stepId, name: step.name, status: 'compensated' });
    } catch (error) {
      if (ctx.interrupt) throw ctx.interrupt;
      if (payloadHost.failure) throw payloadHost.failure;
      compensations.push({ stepId: step.stepId, name: step.name, status: 'failed', error: serializeError(error) });
    }
  }
  return { status: 'failed', error: serializeError(failure), compensations };
}
