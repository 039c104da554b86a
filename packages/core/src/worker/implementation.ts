import type { StepDeclaration } from '../declarations/step.ts';

/** What an implementation gets besides its input. */
export interface EffectContext {
  runId: string;
  stepId: string;
  /** `{runId}:{stepId}`: the same on every retry and replay; send it to the outside world. */
  idempotencyKey: string;
  /** 1-based; crashed attempts count. */
  attempt: number;
  /** Aborted when the worker loses the run (lease lost, shutdown). */
  signal: AbortSignal;
}

/**
 * The worker-side code of a step or tool. `compensate` undoes a completed execution when the run
 * fails later; it gets the original input and output and runs once (journaled), with its own
 * idempotency key.
 */
export interface Implementation<I = any, O = any> {
  readonly declaration: StepDeclaration<I, O, any>;
  execute(input: I, context: EffectContext): Promise<O>;
  compensate?(input: I, output: O, context: EffectContext): Promise<void>;
}

/**
 * @example
 * implement(sendEmail, {
 *   execute: (input, { idempotencyKey }) => mailer.send(input, { idempotencyKey }),
 *   compensate: (input, sent) => mailer.recall(sent.messageId),
 * });
 */
export function implement<I, O, In>(
  declaration: StepDeclaration<I, O, In>,
  handlers: Omit<Implementation<I, O>, 'declaration'>,
): Implementation<I, O> {
  return { declaration, ...handlers };
}
