import * as restate from '@restatedev/restate-sdk';
import type { RestateApi } from './restate-api.ts';
import type { SignalRequest } from './workflow.ts';

export interface QueuedSignal extends SignalRequest {
  /** The workflow of the run's agent. */
  service: string;
}

/**
 * Signals on their way to a run: a Restate virtual object keyed by run id. The client sends to it
 * one-way, so a signal is durably accepted even while no worker is up (the local driver's signals
 * table gives the same), and an object's inbox is first-in first-out per key, so signals reach the
 * run in the order they were sent. Each delivery calls the workflow's shared `signal` handler,
 * which fills the run's next durable promise of that name.
 */
export function signalQueueObject(name: string) {
  return restate.object({
    name,
    handlers: {
      deliver: async (ctx: restate.ObjectContext, signal: QueuedSignal): Promise<void> => {
        await ctx.genericCall<SignalRequest, unknown>({
          service: signal.service,
          method: 'signal',
          key: ctx.key,
          parameter: { name: signal.name, payload: signal.payload },
          inputSerde: restate.serde.json,
          outputSerde: restate.serde.json,
        });
      },
    },
  });
}

/** Sends a signal to a run's queue through the ingress, without waiting for its delivery. */
export function enqueueSignal(api: RestateApi, queue: string, runId: string, signal: QueuedSignal): Promise<unknown> {
  return api.ingress(`/${queue}/${encodeURIComponent(runId)}/deliver/send`, signal);
}
