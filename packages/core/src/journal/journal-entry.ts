import type { SerializedError } from '../errors/ratchet-error.ts';
import type { Completion, FinishReason, RouteAttempt, Usage } from '../model/completion.ts';

export type StepKind = 'step' | 'tool' | 'llm' | 'prompt' | 'sleep' | 'signal' | 'now' | 'compensation';

/**
 * One entry of a run's journal, the same on every engine so runs can be compared, inspected and
 * moved. `position` is the order the agent asked for it; `stepId` is `{kind}:{name}#{occurrence}`.
 */
export interface JournalEntry {
  position: number;
  stepId: string;
  kind: StepKind;
  name: string;
  inputDigest: string;
  input?: unknown;
  status: 'completed' | 'failed';
  output?: unknown;
  error?: SerializedError;
  /** Attempts it took, crashed attempts included. */
  attempts: number;
  startedAt: number;
  completedAt: number;
  /** The execution of the run (1-based) that produced it; later executions replayed it. */
  execution: number;
  /** Set for completed steps whose implementation registered a compensation. */
  compensable?: boolean;
  completion?: CompletionMetadata;
}

/** A `stepId` (`{kind}:{name}#{occurrence}`) back into its kind and name: a kind has no colon, an occurrence no `#`. */
export function parseStepId(stepId: string): { kind: StepKind; name: string } {
  const colon = stepId.indexOf(':');
  const hash = stepId.lastIndexOf('#');
  return { kind: stepId.slice(0, colon) as StepKind, name: stepId.slice(colon + 1, hash) };
}

export interface CompletionMetadata {
  provider: string;
  model: string;
  /** The model id or route name the agent asked for. */
  requested: string;
  usage: Usage;
  finishReason: FinishReason;
  routeAttempts: RouteAttempt[];
  costUsd?: number;
  prompt?: { name: string; version: string };
}

/**
 * The completion facts a journal shows for a completed `llm` entry, read from what `ctx.llm.complete`
 * journaled (its input names the requested model, its output is the `Completion`). Drivers call this
 * when they read a journal back, so every engine reports completions the same way.
 */
export function withCompletionMetadata(entry: JournalEntry): JournalEntry {
  if (entry.kind !== 'llm' || entry.status !== 'completed') return entry;
  const completion = entry.output as Completion;
  return {
    ...entry,
    completion: {
      provider: completion.provider,
      model: completion.model,
      requested: (entry.input as { requested: string }).requested,
      usage: completion.usage,
      finishReason: completion.finishReason,
      routeAttempts: completion.routeAttempts ?? [],
      ...(completion.costUsd === undefined ? {} : { costUsd: completion.costUsd }),
      ...(completion.prompt ? { prompt: completion.prompt } : {}),
    },
  };
}

/** Tokens and cost of a journal's completions, summed: what `describe` and the portable journal report as used. */
export function journalUsage(journal: readonly JournalEntry[]): Usage & { costUsd: number } {
  const usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0, costUsd: 0 };
  for (const entry of journal) {
    if (!entry.completion) continue;
    usage.inputTokens += entry.completion.usage.inputTokens;
    usage.outputTokens += entry.completion.usage.outputTokens;
    usage.totalTokens += entry.completion.usage.totalTokens;
    usage.costUsd += entry.completion.costUsd ?? 0;
  }
  return usage;
}
