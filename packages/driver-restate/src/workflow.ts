import * as restate from '@restatedev/restate-sdk';
import {
  ExecutionInterrupt,
  JournalPrefixHost,
  executeAgent,
  isUnreadablePayloadError,
  serializeError,
  toMilliseconds,
  type AgentDeclaration,
  type EffectRunner,
  type MigrationWatch,
  type RunOutcome,
} from '@ratchet/core';
import type { ResolvedRestateOptions } from './options.ts';
import { RestateHost } from './host.ts';
import type { ExecutionGrant, LedgerClient } from './ledger.ts';
import { pauseOnJournalMismatch } from './pause-on-mismatch.ts';
import { executionMarkerName, migrationPromiseKey, outcomeStateKey, signalPromiseKey, type MigrationRequest, type RunRequest, type SignalRequest, type StoredOutcome } from './protocol.ts';
import { assertWithinLimit } from './payload-limit.ts';
import type { RestateApi } from './server-api.ts';
import { flushQueue } from './signals.ts';

/** How long an execution waits for its signal queue before it runs a step (see `flushQueue`). */
const flushTimeoutMs = 10_000;

/**
 * One agent as a Restate workflow keyed by run id. `run` executes the agent (once per workflow
 * key, as Restate guarantees) and keeps the outcome in workflow state, where the client reads it;
 * a failed run also fails the invocation, so Restate's own tools show it. `signal` is a shared
 * handler that fills the run's next signal promise of that name, and `migrate` one that resolves
 * the run's migration promise; both are called by the run's signal queue only (see signals.ts).
 *
 * A seeded run's executions wrap the host in core's `JournalPrefixHost`, which answers the seeded
 * entries without a Restate command (so the run's own steps start at the next position) and
 * resumes a seeded open wait with what is left of its deadline. That deadline is read from
 * `Date.now()` on every execution, which is replay-safe here: the SDK's replay check compares a
 * `Sleep` command by name only (sdk-shared-core `SleepCommandMessage::header_eq`), so a replayed
 * sleep keeps the wake-up time its first execution journaled.
 */
export function agentWorkflow(
  serviceName: string,
  agent: AgentDeclaration,
  deps: {
    executor: EffectRunner;
    ledger: LedgerClient;
    migrations: MigrationWatch;
    api: RestateApi;
    signalQueue: string;
    options: ResolvedRestateOptions;
    onError: (error: unknown) => void;
  },
) {
  const { options } = deps;
  const ms = (value: string | number | undefined, what: string) => (value === undefined ? undefined : toMilliseconds(value, what));
  const retention = ms(options.retention, 'retention');
  const inactivityTimeout = ms(options.inactivityTimeout, 'inactivityTimeout');
  const abortTimeout = ms(options.abortTimeout, 'abortTimeout');
  const runKey = (runId: string) => `${serviceName}/${runId}`;
  /**
   * A later execution is counted in the ledger (a run's first, of journal version 3, by its marker).
   * A migration request queued while no worker was up takes effect before it runs a step: the queue
   * hands it to the workflow's `migrate` handler before the flush returns.
   */
  const beginExecution = async (runId: string, uncounted: number): Promise<ExecutionGrant> => {
    const [grant] = await Promise.all([deps.ledger.beginExecution(runId, uncounted), flushQueue(deps.api, deps.signalQueue, runId, flushTimeoutMs)]);
    return grant;
  };
  return restate.workflow({
    name: serviceName,
    description: `Ratchet agent "${agent.name}"`,
    handlers: {
      run: async (ctx: restate.WorkflowContext, request: RunRequest): Promise<unknown> => {
        // Watched before the queue is flushed, so a request it handles meanwhile is noted here.
        const watched = deps.migrations.watch(runKey(ctx.key));
        // However the attempt ends: returned, failed, suspended or cut off.
        ctx.request().attemptCompletedSignal.addEventListener('abort', () => deps.migrations.release(runKey(ctx.key), watched), { once: true });
        const journalVersion = request.journalVersion ?? 1;
        const marked = journalVersion >= 3;
        const { execution, redrivenAt, migration } = marked && (await isFirstExecution(ctx)) ? firstExecution : await beginExecution(ctx.key, marked ? 1 : 0);
        watched.migration ??= migration;
        const host = new RestateHost(
          ctx,
          { runId: ctx.key, agent: agent.name, seed: request.seed, execution, redrivenAt, journalVersion },
          {
            executor: deps.executor,
            ledger: deps.ledger,
            migrations: deps.migrations,
            watched,
            maxPayloadBytes: options.maxPayloadBytes,
            signalQueue: deps.signalQueue,
            carried: request.seeded?.signals ?? [],
          },
        );
        const seeded = request.seeded;
        const durable = seeded ? new JournalPrefixHost(seeded.entries, host, seeded.openWait ? { openWait: seeded.openWait } : {}) : host;
        let outcome: RunOutcome;
        try {
          outcome = await executeAgent(agent, request.input, durable, request.options ?? {}, deps.executor.payloads);
        } catch (error) {
          // Anything else is retryable, so Restate retries from the journal. The SDK logs retries
          // below the error level this worker prints; a payload it cannot open must reach its operator.
          if (isUnreadablePayloadError(error)) console.error('[ratchet restate worker]', error.message);
          if (!ExecutionInterrupt.isInstance(error)) throw error;
          if (error.reason === 'migrate') {
            const migration = await host.migrationRecord(error.details.openWait);
            ctx.set<StoredOutcome>(outcomeStateKey, { status: 'migrated', migration, position: host.migrationStop!.position });
            return null;
          }
          // The host's own interrupts are Restate errors; this one is a seeded prefix that does not
          // match the agent's steps (JournalPrefixHost), dead-lettered as a journal mismatch is.
          if (error.reason === 'dead-letter' && error.details.error) {
            const cause = error.details.error;
            await deps.ledger.recordFailure(ctx.key, String(cause.data.expected ?? error.details.stepId ?? ''), serializeError(cause), true);
            await deps.api.pauseInvocation(ctx.request().id);
          }
          throw new Error(error.message);
        }
        outcome = withinLimit(outcome, options.maxPayloadBytes);
        ctx.set<StoredOutcome>(outcomeStateKey, outcome);
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
      // Called by the run's signal queue once per run; a run that has ended is not asked to stop.
      migrate: restate.handlers.workflow.shared({ ingressPrivate: true }, async (ctx: restate.WorkflowSharedContext, request: MigrationRequest): Promise<{ accepted: boolean }> => {
        if ((await ctx.get<StoredOutcome>(outcomeStateKey)) !== null) return { accepted: false };
        await ctx.promise<MigrationRequest>(migrationPromiseKey).resolve({ to: request.to });
        // The execution running the run, when it is in this process, stops at its next step.
        deps.migrations.note(runKey(ctx.key), { to: request.to });
        return { accepted: true };
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

const firstExecution: ExecutionGrant = { execution: 1, redrivenAt: 0 };

/**
 * Whether this is the run's first execution: it journals the execution marker, the run's first
 * command, whose closure runs only in the execution that journals it (later ones replay it). Steps
 * start only once it is journaled, so an execution cut off before that attempted nothing, and the
 * next is the first again. The first execution needs no ledger call and no queue flush: a migration
 * request that comes in meanwhile reaches it through the `migrate` handler (see migration-watch.ts).
 */
async function isFirstExecution(ctx: restate.WorkflowContext): Promise<boolean> {
  let first = false;
  await ctx.run(executionMarkerName, () => {
    first = true;
    return 1;
  });
  return first;
}
