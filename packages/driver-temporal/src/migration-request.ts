// Runs inside Temporal's workflow sandbox: imports only @temporalio/workflow and @ratchet/core.
import { ExecutionInterrupt, migrationStop } from '@ratchet/core';
import { CancellationScope, condition } from '@temporalio/workflow';
import type { MigrateRequest } from './protocol.ts';

/**
 * A run's migration request, as the `__ratchet_migrate` signal delivered it, and the safe points
 * where it stops the run. The first request's target wins; later ones change nothing.
 *
 * It is plain workflow state: the signal is an event in history, so every replay sees the request
 * arrive at the same point of the run's code and stops it at the same step, which is why checking
 * it costs nothing (no activity, no timer). Steps answered from a journal prefix never reach the
 * host, so they never stop here.
 *
 * Every step the run takes goes through `step`. Once a request has arrived, a step that has not
 * started does not run, and a step stopped inside (a wait, a parked or backing-off effect) ends
 * with the interrupt; either way the interrupt is thrown only after every other step in flight has
 * ended, so no step is cut halfway (a wait among them stops itself; an effect's attempt runs to its
 * end and is journaled).
 */
export class MigrationRequest {
  #to: string | undefined;
  #inFlight = 0;

  /** The signal handler. */
  receive(request: MigrateRequest): void {
    this.#to ??= request.to;
  }

  /** The target of the first request, once one has arrived. */
  get to(): string | undefined {
    return this.#to;
  }

  get requested(): boolean {
    return this.#to !== undefined;
  }

  async step<T>(run: () => Promise<T>): Promise<T> {
    let stop: ExecutionInterrupt | undefined;
    if (!this.requested) {
      this.#inFlight += 1;
      try {
        return await run();
      } catch (error) {
        if (!ExecutionInterrupt.isInstance(error) || error.reason !== 'migrate') throw error;
        stop = error;
      } finally {
        this.#inFlight -= 1;
      }
    }
    await condition(() => this.#inFlight === 0);
    throw stop ?? migrationStop();
  }

  /**
   * Runs an activity so that a request arriving while it is pending cancels it. Temporal cancels an
   * activity waiting for its next attempt (a retry backoff) at once; an attempt already running is
   * only asked to cancel, which the worker does not pass on to the effect (see `activity.ts`), so
   * it runs to its end, and once cancellation is requested the server retries it no more. The
   * activity must be scheduled with `WAIT_CANCELLATION_COMPLETED`, so that a running attempt's
   * outcome reaches the workflow.
   */
  async cancelOnRequest<T>(activity: () => Promise<T>): Promise<T> {
    const scope = new CancellationScope();
    const watch = new CancellationScope();
    watch.run(() => condition(() => this.requested)).then(
      () => scope.cancel(),
      // Cancelled below once the activity has settled.
      () => {},
    );
    try {
      return await scope.run(activity);
    } finally {
      watch.cancel();
    }
  }
}
