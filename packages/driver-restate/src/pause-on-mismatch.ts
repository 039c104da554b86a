import * as restate from '@restatedev/restate-sdk';
import type { RestateApi } from './server-api.ts';

/** The SDK's code for a journal mismatch: the replayed code asked for another step than the journal has. */
const journalMismatchCode = 570;

/**
 * Parks a run whose replay diverged from its journal, as Ratchet dead-letters on non-determinism.
 * Restate would otherwise retry the invocation by its retry policy, and the run would carry on by
 * itself as soon as any compatible code is registered, without a redrive. The SDK's own
 * `onJournalMismatchErrors: 'pause'` needs service protocol v7, which restate-server 1.7 does not
 * offer by default, so the worker pauses the invocation through the admin API; the pause takes
 * effect as the failing attempt ends. If the admin API cannot be reached, Restate's retry policy
 * still pauses it after its `max-attempts`.
 */
export function pauseOnJournalMismatch(api: RestateApi, onError: (error: unknown) => void): restate.HooksProvider {
  return ({ request }) => ({
    interceptor: {
      handler: async (next) => {
        try {
          await next();
        } catch (error) {
          if (error instanceof restate.RestateError && error.code === journalMismatchCode) {
            await api.pauseInvocation(request.id).catch(onError);
          }
          throw error;
        }
      },
    },
  });
}
