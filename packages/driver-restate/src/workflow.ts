import * as restate from '@restatedev/restate-sdk';
import { ExecutionInterrupt, executeAgent, serializeError, toMilliseconds, type AgentDeclaration, type RunOptions, type RunOutcome } from '@ratchet/core';
import type { EffectExecutor } from '@ratchet/core/worker';
import type { ResolvedRestateOptions } from './driver.ts';
import { RestateHost } from './host.ts';
import type { LedgerClient } from './ledger.ts';
import { pauseOnJournalMismatch } from './pause-on-mismatch.ts';
import { outcomeStateKey, signalPromiseKey } from './naming.ts';
import { assertWithinLimit } from './payload-limit.ts';
import type { RestateApi } from './restate-api.ts';

/** What the client submits to start a run: the workflow's input, journaled by Restate. */
export interface RunRequest {
  agent: string;
  input: unknown;
  inputDigest: string;
  seed: string;
  /** Per-run settings over the agent's defaults, given to every execution. */
  options?: RunOptions;
}

export interface SignalRequest {
  name: string;
  payload: unknown;
}

/**
 * One agent as a Restate workflow keyed by run id. `run` executes the agent (once per workflow
 * key, as Restate guarantees) and keeps the outcome in workflow state, where the client reads it;
 * a failed run also fails the invocation, so Restate's own tools show it. `signal` is a shared
 * handler that fills the run's next signal promise of that name (see signal-queue.ts).
 */
export function agentWorkflow(
  serviceName: string,
  agent: AgentDeclaration,
  deps: { executor: EffectExecutor; ledger: LedgerClient; api: RestateApi; options: ResolvedRestateOptions; onError: (error: unknown) => void },
) {
  const { options } = deps;
  const ms = (value: string | number | undefined, what: string) => (value === undefined ? undefined : toMilliseconds(value, what));
  const retention = ms(options.retention, 'retention');
  const inactivityTimeout = ms(options.inactivityTimeout, 'inactivityTimeout');
  const abortTimeout = ms(options.abortTimeout, 'abortTimeout');
  return restate.workflow({
    name: serviceName,
    description: `Ratchet agent "${agent.name}"`,
    handlers: {
      run: async (ctx: restate.WorkflowContext, request: RunRequest): Promise<unknown> => {
        const execution = await deps.ledger.beginExecution(ctx.key);
        const host = new RestateHost(
          ctx,
          { runId: ctx.key, agent: agent.name, seed: request.seed, execution },
          { executor: deps.executor, ledger: deps.ledger, maxPayloadBytes: options.maxPayloadBytes },
        );
        let outcome: RunOutcome;
        try {
          outcome = await executeAgent(agent, request.input, host, request.options ?? {});
        } catch (error) {
          // The host never interrupts; anything else is retryable, so Restate retries from the journal.
          if (ExecutionInterrupt.isInstance(error)) throw new Error(error.message);
          throw error;
        }
        outcome = withinLimit(outcome, options.maxPayloadBytes);
        ctx.set(outcomeStateKey, outcome);
        if (outcome.status === 'failed') throw new restate.TerminalError(outcome.error.message);
        return outcome.output;
      },
      // Called by the run's signal queue only, one signal at a time and in order.
      signal: restate.handlers.workflow.shared({ ingressPrivate: true }, async (ctx: restate.WorkflowSharedContext, request: SignalRequest): Promise<{ seq: number }> => {
        // Fill the first promise of that name not filled yet (409: already filled).
        for (let seq = 1; ; seq++) {
          try {
            await ctx.promise(signalPromiseKey(request.name, seq)).resolve(request.payload);
            return { seq };
          } catch (error) {
            if (!(error instanceof restate.TerminalError && error.code === 409)) throw error;
          }
        }
      }),
    },
    options: {
      hooks: [pauseOnJournalMismatch(deps.api, deps.onError)],
      ...(retention === undefined ? {} : { journalRetention: retention, workflowRetention: retention }),
      ...(inactivityTimeout === undefined ? {} : { inactivityTimeout }),
      ...(abortTimeout === undefined ? {} : { abortTimeout }),
    },
  });
}

/** An output too big to journal fails the run with a clear error instead of the engine's. */
function withinLimit(outcome: RunOutcome, limitBytes: number): RunOutcome {
  try {
    assertWithinLimit(outcome, 'The output of the run', limitBytes);
    return outcome;
  } catch (error) {
    return { status: 'failed', error: serializeError(error), compensations: [] };
  }
}
