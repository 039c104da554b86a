import { WorkerCrashError } from '../errors/errors.ts';
import { serializeError, type SerializedError } from '../errors/ratchet-error.ts';

/**
 * The error a run is dead-lettered with when a step's attempts all ended with their worker dying
 * before an outcome was recorded. Every driver that counts attempts itself reports it in these words.
 */
export function crashedAttemptsError(stepId: string, attempts: number): SerializedError {
  return serializeError(new WorkerCrashError(`${attempts} attempt(s) of "${stepId}" ended with their worker dying before an outcome was recorded`));
}
