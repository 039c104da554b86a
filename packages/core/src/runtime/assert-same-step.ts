import { NonDeterminismError } from '../errors/errors.ts';

/** Hosts call this when a journal already holds an entry at the position the agent asks for. */
export function assertSameStep(position: number, journaledStepId: string, requestedStepId: string): void {
  if (journaledStepId !== requestedStepId) throw new NonDeterminismError(position, journaledStepId, requestedStepId);
}
