import type { SerializedError } from '../errors/ratchet-error.ts';

/**
 * The error a run is dead-lettered with when a step's attempts all ended with their worker dying
 * before an outcome was recorded: crashed attempts count, so a step that kills its worker stops
 * after `maxAttempts` instead of crash-looping. Every driver reports it in these words.
 */
export function crashedAttemptsError(stepId: string, attempts: number): SerializedError {
  return {
    name: 'WorkerCrashError',
    kind: 'worker-crash',
    message: `${attempts} attempt(s) of "${stepId}" ended with their worker dying before an outcome was recorded`,
    retryable: true,
  };
}
