import type { StepCall } from './durable-host.ts';
import { ExecutionInterrupt } from './execution-interrupt.ts';

/**
 * The interrupt a host throws when it finds a migration request at a safe point: before a step that
 * has not run yet (no `wait`), or inside a sleep or signal wait (`wait`, with its journaled deadline).
 * The driver then ends the run as `migrated`.
 */
export function migrationStop(wait?: { call: StepCall; deadline?: number | null }): ExecutionInterrupt {
  if (!wait) return new ExecutionInterrupt('migrate');
  const { call, deadline } = wait;
  return new ExecutionInterrupt('migrate', {
    openWait: {
      position: call.position,
      stepId: call.stepId,
      kind: call.kind === 'sleep' ? 'sleep' : 'signal',
      ...(deadline === undefined || deadline === null ? {} : { deadline }),
    },
  });
}
