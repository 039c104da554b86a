import { Context } from '@temporalio/activity';
import { effectContext, type EffectRunner } from '@ratchet/core';
import {
  effectActivityName,
  journalPageActivityName,
  type EffectRequest,
  type EffectResponse,
  type JournalPage,
  type JournalPageRequest,
} from './protocol.ts';
import { toTemporalFailure } from './errors.ts';
import { journalPage, readRunHistory, type RunHistory } from './journal.ts';
import { assertPayloadSize } from './payload-limit.ts';

export interface RatchetActivities {
  [effectActivityName](request: EffectRequest): Promise<EffectResponse>;
  [journalPageActivityName](request: JournalPageRequest): Promise<JournalPage>;
}

/**
 * The worker's activities.
 *
 * `ratchetEffect` runs every effect through core's `EffectRunner` (so an effect means the same on
 * every engine) with the idempotency key `{runId}:{stepId}`, which stays the same on every Temporal
 * retry, after a crash and across continue-as-new.
 *
 * `ratchetJournalPage` reads the journal a continued run carries on from, out of the history of the
 * run it continues (through the worker's own client), a page at a time. That history is closed and
 * never changes, so the last one read is kept for the pages after the first.
 *
 * Both heartbeat while they work, so a killed worker's attempt times out after the heartbeat timeout
 * rather than the (long) start-to-close timeout, and the retry counts as the next attempt.
 *
 * An effect's abort signal follows the attempt's cancellation except when the workflow asked for it,
 * which Ratchet does only for a migration request (a workflow cancelled with Temporal's own tools
 * asks too): the attempt then runs to its end, so an effect is never cut halfway, and its outcome
 * is journaled before the run stops.
 */
/** `offloads`: large results go to a payload store at the PayloadCodec, so none is held to Temporal's payload limit here. */
export function createActivities(executor: EffectRunner, options: { offloads: boolean }): RatchetActivities {
  let lastRead: { key: string; run: Promise<RunHistory> } | undefined;
  const readClosedRun = (context: Context, workflowId: string, runId: string): Promise<RunHistory> => {
    const key = `${workflowId}\n${runId}`;
    if (lastRead?.key !== key) {
      const run = context.client.workflow
        .getHandle(workflowId, runId)
        .fetchHistory()
        .then(({ events }) => readRunHistory(events ?? []));
      const read = { key, run };
      lastRead = read;
      // A failed read is not kept: the activity's retry reads again.
      run.catch(() => {
        if (lastRead === read) lastRead = undefined;
      });
    }
    return lastRead.run;
  };
  return {
    [effectActivityName]: (request) =>
      heartbeating(async (context) => {
        const { attempt } = context.info;
        try {
          const result = await executor.execute(
            request.target,
            request.input,
            effectContext({ runId: request.runId, stepId: request.stepId, attempt, signal: unlessCancelRequested(context) }),
          );
          if (!options.offloads) assertPayloadSize('output', request.stepId, result);
          return result;
        } catch (error) {
          throw toTemporalFailure(error, request.retry, attempt);
        }
      }),
    [journalPageActivityName]: (request) =>
      heartbeating(async (context) => journalPage(await readClosedRun(context, request.workflowId, request.runId), request.from)),
  };
}

/** The attempt's abort signal, without the cancellations the workflow requested (heartbeat timeout, shutdown and others still abort). */
function unlessCancelRequested(context: Context): AbortSignal {
  const controller = new AbortController();
  const forward = () => {
    if (!context.cancellationDetails?.cancelRequested) controller.abort(context.cancellationSignal.reason);
  };
  if (context.cancellationSignal.aborted) forward();
  else context.cancellationSignal.addEventListener('abort', forward, { once: true });
  return controller.signal;
}

async function heartbeating<T>(work: (context: Context) => Promise<T>): Promise<T> {
  const context = Context.current();
  const { heartbeatTimeoutMs } = context.info;
  const beat = heartbeatTimeoutMs ? setInterval(() => context.heartbeat(), Math.max(50, heartbeatTimeoutMs / 3)) : undefined;
  try {
    return await work(context);
  } finally {
    clearInterval(beat);
  }
}
