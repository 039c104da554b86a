import type { z } from 'zod';
import type { Completion, Message } from '../model/completion.ts';
import type { StepDeclaration, ToolDeclaration } from '../declarations/step.ts';
import type { Duration } from '../util/duration.ts';
import type { BudgetView } from '../llm/budget.ts';
import type { PromptDeclaration, RenderedPrompt } from '../llm/prompt.ts';
import type { RouteSpec } from '../llm/route.ts';

/**
 * What an agent's `run` function gets. Everything that touches the world or a model goes through it
 * and is journaled: on replay the journal answers and nothing is asked twice. `run` itself must be
 * plain control flow over the values it gets from here (no `Date.now()`, no `Math.random()`, no I/O).
 */
export interface AgentContext {
  /** A read-only view of the run. */
  readonly run: RunView;

  /**
   * Runs a declared step once. Its implementation gets the idempotency key `{runId}:{stepId}`, the
   * same on every retry and replay. Retryable failures are retried by policy; a terminal failure is
   * journaled and thrown here.
   */
  step<I, O, In>(step: StepDeclaration<I, O, In>, input: In): Promise<O>;

  /**
   * Runs a tool once, by declaration or by name (as a model asks for it). Arguments are validated
   * against the tool's schema before anything runs: a failure throws `ToolInputError`, an unknown
   * name throws `UnknownToolError`, and neither is journaled as an executed step.
   */
  tool<I, O, In>(tool: ToolDeclaration<I, O, In>, input: In): Promise<O>;
  tool(name: string, input: unknown): Promise<unknown>;

  readonly llm: LlmContext;

  /**
   * The run's token and cost budget: limits, what its journaled completions used, what is left. It is
   * derived from the journal, so a crash neither resets nor double-counts it.
   */
  readonly budget: BudgetView;

  /**
   * Renders a versioned prompt. The first use in a run pins the version (journaled with its text);
   * later uses in the run, and every replay, render that same text even after a deploy changed it.
   * With `label`, the worker's registry resolves the label to a version, once per run.
   */
  prompt<V>(prompt: PromptDeclaration<V>, variables: V, options?: { label?: string }): Promise<RenderedPrompt>;

  /** A durable sleep: the deadline is journaled, so a restart neither restarts nor skips it. */
  sleep(duration: Duration): Promise<void>;

  /**
   * Waits for a named signal sent with `client.signal(runId, name, payload)`. Signals sent before the
   * wait are kept and delivered in order. With `timeout`, resolves `{ received: false }` when it passes.
   */
  waitForSignal<T = unknown>(name: string, options?: { timeout?: Duration; schema?: z.ZodType<T> }): Promise<SignalResult<T>>;

  /** Waits for a human decision sent with `client.approve` / `client.reject`. */
  approval(name: string, options?: { timeout?: Duration }): Promise<ApprovalResult>;

  /** The current time, journaled: a replay sees the time of the first execution. */
  now(): Promise<Date>;
  /** Deterministic: the same sequence on every replay and on every engine. */
  random(): number;
  /** Deterministic, from the same sequence as `random`. */
  uuid(): string;
}

export interface RunView {
  readonly id: string;
  readonly agent: string;
  /** Which execution of the run this is: 1 on the first worker, more after crashes and resumes. */
  readonly attempt: number;
}

export interface LlmContext {
  /**
   * Asks a model once and journals the answer (model, usage, finish reason). On replay the journaled
   * completion is returned and no model is called.
   *
   * @example
   * const answer = await ctx.llm.complete({
   *   name: 'draft',
   *   model: 'openai:gpt-4o-mini',
   *   messages: [{ role: 'user', content: 'Summarise this' }],
   * });
   */
  complete(request: CompleteRequest): Promise<Completion>;

  /**
   * Completes, runs the tools the model asks for, and feeds their results back until the model
   * answers without tool calls. Tool arguments are validated against the tool's schema before
   * anything runs; malformed JSON, a schema failure or an unknown tool goes back to the model as a
   * tool error, up to `maxRepairs` times, then `ToolCallError` is thrown. Nothing invalid is executed.
   */
  generate(request: GenerateRequest): Promise<GenerateResult>;
}

export interface GenerateRequest extends CompleteRequest {
  tools: ToolDeclaration[];
  /** Completions at most (default 8). */
  maxSteps?: number;
  /** Invalid tool calls fed back to the model at most (default 2). */
  maxRepairs?: number;
}

export interface GenerateResult {
  text: string;
  /** Every completion in order; the last one has no tool calls. */
  completions: Completion[];
  /** The whole conversation, tool calls and results included. */
  messages: Message[];
}

export interface CompleteRequest {
  /** `provider:model` (for example `openai:gpt-4o-mini`) or a route from `defineRoute`. */
  model: string | RouteSpec;
  /** Sent after the prompt's messages, if a prompt is given. */
  messages?: Message[];
  /** A rendered versioned prompt; the completion journals its name and version. */
  prompt?: RenderedPrompt;
  /** Stream the answer to the worker's `onToken`; the journal stores the assembled completion. */
  stream?: boolean;
  /** Tools offered to the model; their zod input schemas are sent as JSON Schema. */
  tools?: ToolDeclaration[];
  maxOutputTokens?: number;
  temperature?: number;
  /** The step name in the journal; defaults to `complete`. */
  name?: string;
}

export type SignalResult<T> = { received: true; payload: T } | { received: false; reason: 'timeout' };

export type ApprovalResult =
  | { approved: boolean; timedOut: false; by?: string; comment?: string }
  | { approved: false; timedOut: true };
