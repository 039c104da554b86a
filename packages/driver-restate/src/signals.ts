import * as restate from '@restatedev/restate-sdk';
import type { ServiceNames, MigrationRequest, SignalRequest } from './protocol.ts';
import { isTimeout, sqlString, type RestateApi } from './server-api.ts';

export interface QueuedSignal extends SignalRequest {
  /** The workflow of the run's agent. */
  service: string;
}

export interface QueuedMigration extends MigrationRequest {
  /** The workflow of the run's agent. */
  service: string;
}

/** A signal the queue delivered: its name and the promise (`seq`) it filled, in arrival order. */
export interface DeliveredSignal {
  name: string;
  seq: number;
}

/** What a run that stops for a migration reads from its queue: the signals delivered, and when. */
export interface QueueSnapshot {
  delivered: DeliveredSignal[];
  at: number;
}

const migrationKey = 'migration';
const deliveredKey = 'delivered';

/** Failure metadata of a refused signal: the driver the run moved to. */
export const migratedToMetadataKey = 'ratchet.migratedTo';

/**
 * Signals on their way to a run: a Restate virtual object keyed by run id. The client sends to it
 * one-way, so a signal is durably accepted even while no worker is up (the local driver's signals
 * table gives the same), and an object's inbox is first-in first-out per key, so signals reach the
 * run in the order they were sent. Each delivery calls the workflow's shared `signal` handler,
 * which fills the run's next durable promise of that name, and is logged here in arrival order.
 *
 * The queue also decides a migration request, because it is the one writer between signals: a
 * request recorded here refuses every signal queued after it (a terminal failure carrying the
 * target, which the client reports as `RunMigratedError`), while those queued before it were
 * delivered and are handed over as pending if the run did not consume them. Every handler runs
 * from its own journal, so a worker killed half-way resumes it where it stopped.
 */
export function signalQueueObject(names: ServiceNames, api: RestateApi) {
  return restate.object({
    name: names.signals,
    handlers: {
      deliver: async (ctx: restate.ObjectContext, signal: QueuedSignal): Promise<void> => {
        const migration = await ctx.get<MigrationRequest>(migrationKey);
        if (migration) {
          throw new restate.TerminalError(`run "${ctx.key}" was migrated to the ${migration.to} driver; the signal was not delivered`, {
            errorCode: 410, // Gone: the status an attach to this delivery answers with
            metadata: { [migratedToMetadataKey]: migration.to },
          });
        }
        const { seq } = await call<{ seq: number }>(ctx, signal.service, 'signal', { name: signal.name, payload: signal.payload });
        const delivered = (await ctx.get<DeliveredSignal[]>(deliveredKey)) ?? [];
        ctx.set(deliveredKey, [...delivered, { name: signal.name, seq }]);
      },
      /**
       * The first request wins. The workflow refuses it once the run has ended; otherwise it wakes the
       * run's wait, its next step stops instead of running (see core's migration-watch.ts), and a run in a
       * retry backoff is retried at once, so it reaches that step now rather than after its delay.
       */
      requestMigration: async (ctx: restate.ObjectContext, request: QueuedMigration): Promise<void> => {
        if (await ctx.get<MigrationRequest>(migrationKey)) return;
        const { accepted } = await call<{ accepted: boolean }>(ctx, request.service, 'migrate', { to: request.to });
        if (!accepted) return;
        ctx.set(migrationKey, { to: request.to });
        await call<void>(ctx, names.ledger, 'requestMigration', { to: request.to });
        await ctx.run('wake a retry backoff', () => retryNowIfBackingOff(api, request.service, ctx.key));
      },
      /**
       * Does nothing, in the queue's order: it returns once everything queued before it (signals, a
       * migration request) has been handled. Each execution of the run calls it first, so a request
       * queued while no worker was up stops the run before it runs another step.
       */
      flush: async (): Promise<void> => {},
      snapshot: restate.handlers.object.shared(
        async (ctx: restate.ObjectSharedContext): Promise<QueueSnapshot> => ({
          delivered: (await ctx.get<DeliveredSignal[]>(deliveredKey)) ?? [],
          at: await ctx.date.now(),
        }),
      ),
    },
  });
}

function call<T>(ctx: restate.ObjectContext, service: string, method: string, parameter: unknown): restate.InvocationPromise<T> {
  return ctx.genericCall<unknown, T>({ service, method, key: ctx.key, parameter, inputSerde: restate.serde.json, outputSerde: restate.serde.json });
}

/**
 * A run backing off before a step's retry is retried now; its next execution learns of the request
 * as it starts, so that step stops. Best effort: if the admin API cannot be reached, the backoff ends by itself and the run
 * stops at that retry.
 */
async function retryNowIfBackingOff(api: RestateApi, service: string, runId: string): Promise<void> {
  try {
    const [run] = await api.query<{ id: string }>(
      `SELECT id FROM sys_invocation WHERE target_service_name = ${sqlString(service)} AND target_service_key = ${sqlString(runId)}
       AND target_handler_name = 'run' AND status = 'backing-off'`,
    );
    if (run) await api.resumeInvocation(run.id);
  } catch {
    // The backoff ends by itself (see above).
  }
}

/** Sends a signal to a run's queue through the ingress, without waiting for its delivery. */
export function enqueueSignal(api: RestateApi, queue: string, runId: string, signal: QueuedSignal): Promise<{ invocationId: string }> {
  return api.ingress(`/${queue}/${encodeURIComponent(runId)}/deliver/send`, signal);
}

/**
 * Resolves once the run's queue has handled everything queued before this call (see `flush`), or
 * after `timeoutMs`: a queue stuck behind a failing delivery must not hold the run, which then
 * meets a request there at a later step instead.
 */
export async function flushQueue(api: RestateApi, queue: string, runId: string, timeoutMs: number): Promise<void> {
  try {
    await api.ingress(`/${queue}/${encodeURIComponent(runId)}/flush`, null, { timeoutMs });
  } catch (error) {
    if (!isTimeout(error)) throw error;
  }
}

/** Sends a migration request to a run's queue through the ingress, without waiting for it to take effect. */
export function enqueueMigration(api: RestateApi, queue: string, runId: string, request: QueuedMigration): Promise<{ invocationId: string }> {
  return api.ingress(`/${queue}/${encodeURIComponent(runId)}/requestMigration/send`, request);
}
