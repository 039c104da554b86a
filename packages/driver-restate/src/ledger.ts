import * as restate from '@restatedev/restate-sdk';
import type { SerializedError } from '@ratchet/core';
import type { RestateApi } from './server-api.ts';
import type { MigrationRequest } from './protocol.ts';

/**
 * The run's ledger: a Restate virtual object keyed by run id, whose state counts the run's
 * executions, once each as it starts. A `ctx.run` closure cannot learn its attempt number from the
 * SDK (the retry count lives in the VM), yet Ratchet counts attempts that crashed their worker and
 * stops after `maxAttempts`: a step reckons its attempt from the execution count (see
 * attempt-gate.ts), and only a step whose count cannot be reckoned (issued after a wait) has each
 * attempt recorded here before it runs — the local driver's `beginAttempt`. Calls come through the
 * ingress, from outside the run's journal; exclusive handlers make each count atomic.
 *
 * It also keeps each step's last retryable failure (a retry reads it), the dead letter, where a
 * redrive started the count over, and the run's migration request, forwarded by the run's signal
 * queue (which decides it, see signals.ts).
 */
export interface LedgerState {
  executions?: number;
  deadLetter?: { stepId: string; error: SerializedError };
}

/** What an execution learns as it starts. */
export interface ExecutionGrant {
  execution: number;
  /** The execution count when the run was last redriven (0: never): attempts count from the next one. */
  redrivenAt: number;
  migration?: MigrationRequest;
}

/** What a retry of a step reads: the failure of its last attempt, and whether the run is to stop. */
export interface AttemptState {
  lastError: SerializedError | null;
  migration?: MigrationRequest;
}

/** What a step learns before it runs: its attempt number, or that the run stops for a migration instead. */
export type AttemptGrant = { attempt: number; lastError: SerializedError | null; migration?: undefined } | { migration: MigrationRequest };

const migrationKey = 'migration';
const redrivenAtKey = 'redrivenAt';
const attemptsKey = (stepId: string) => `attempts:${stepId}`;
const lastErrorKey = (stepId: string) => `lastError:${stepId}`;

export function ledgerObject(name: string) {
  return restate.object({
    name,
    handlers: {
      /** `uncounted`: executions before the first call here (a run's first, which its marker counts). */
      beginExecution: async (ctx: restate.ObjectContext, request: { uncounted?: number } | null): Promise<ExecutionGrant> => {
        const execution = ((await ctx.get<number>('executions')) ?? request?.uncounted ?? 0) + 1;
        ctx.set('executions', execution);
        const migration = await ctx.get<MigrationRequest>(migrationKey);
        return { execution, redrivenAt: (await ctx.get<number>(redrivenAtKey)) ?? 0, ...(migration ? { migration } : {}) };
      },
      attemptState: restate.handlers.object.shared(async (ctx: restate.ObjectSharedContext, request: { stepId: string }): Promise<AttemptState> => {
        const migration = await ctx.get<MigrationRequest>(migrationKey);
        return { lastError: await ctx.get<SerializedError>(lastErrorKey(request.stepId)), ...(migration ? { migration } : {}) };
      }),
      /** A run asked to migrate runs no more steps, so nothing is counted. */
      beginAttempt: async (ctx: restate.ObjectContext, request: { stepId: string }): Promise<AttemptGrant> => {
        const migration = await ctx.get<MigrationRequest>(migrationKey);
        if (migration) return { migration };
        const attempt = ((await ctx.get<number>(attemptsKey(request.stepId))) ?? 0) + 1;
        ctx.set(attemptsKey(request.stepId), attempt);
        return { attempt, lastError: await ctx.get<SerializedError>(lastErrorKey(request.stepId)) };
      },
      recordFailure: async (ctx: restate.ObjectContext, request: { stepId: string; error: SerializedError; deadLetter: boolean }): Promise<void> => {
        ctx.set(lastErrorKey(request.stepId), request.error);
        if (request.deadLetter) ctx.set('deadLetter', { stepId: request.stepId, error: request.error });
      },
      /** The first request stays: a later one (to the same or another driver) changes nothing. */
      requestMigration: async (ctx: restate.ObjectContext, request: MigrationRequest): Promise<void> => {
        if (!(await ctx.get<MigrationRequest>(migrationKey))) ctx.set(migrationKey, { to: request.to });
      },
      /** Redrive: every step starts over with a fresh attempt count, as on the local driver. */
      redrive: async (ctx: restate.ObjectContext): Promise<void> => {
        for (const key of await ctx.stateKeys()) {
          if (key.startsWith('attempts:') || key.startsWith('lastError:') || key === 'deadLetter') ctx.clear(key);
        }
        ctx.set(redrivenAtKey, (await ctx.get<number>('executions')) ?? 0);
      },
    },
  });
}

/** Calls the ledger through the ingress. */
export class LedgerClient {
  readonly #api: RestateApi;
  readonly #name: string;

  constructor(api: RestateApi, name: string) {
    this.#api = api;
    this.#name = name;
  }

  beginExecution(runId: string, uncounted: number): Promise<ExecutionGrant> {
    return this.#call('beginExecution', runId, { uncounted });
  }

  attemptState(runId: string, stepId: string): Promise<AttemptState> {
    return this.#call('attemptState', runId, { stepId });
  }

  beginAttempt(runId: string, stepId: string): Promise<AttemptGrant> {
    return this.#call('beginAttempt', runId, { stepId });
  }

  recordFailure(runId: string, stepId: string, error: SerializedError, deadLetter: boolean): Promise<void> {
    return this.#call('recordFailure', runId, { stepId, error, deadLetter });
  }

  redrive(runId: string): Promise<void> {
    return this.#call('redrive', runId, null);
  }

  #call<T>(handler: string, runId: string, body: unknown): Promise<T> {
    return this.#api.ingress<T>(`/${this.#name}/${encodeURIComponent(runId)}/${handler}`, body);
  }
}
