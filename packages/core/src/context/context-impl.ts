import { z } from 'zod';
import type { AgentDeclaration } from '../declarations/agent.ts';
import { resolveRetryPolicy, type RetryPolicy } from '../declarations/retry-policy.ts';
import type { StepDeclaration, ToolDeclaration } from '../declarations/step.ts';
import { ConfigError, OutputValidationError, SignalPayloadError, ToolInputError, UnknownToolError } from '../errors/errors.ts';
import type { StepKind } from '../journal/journal-entry.ts';
import type { Completion } from '../model/completion.ts';
import type { DurableHost, EffectCall, StepCall } from '../runtime/durable-host.ts';
import { ExecutionInterrupt } from '../runtime/execution-interrupt.ts';
import { toMilliseconds, type Duration } from '../util/duration.ts';
import { createSeededRandom, seededUuid } from '../util/seeded-random.ts';
import { validate } from '../util/validation.ts';
import { RatchetError } from '../errors/ratchet-error.ts';
import type { AgentContext, ApprovalResult, CompleteRequest, GenerateRequest, GenerateResult, LlmContext, RunView, SignalResult } from './agent-context.ts';
import { emptyUsage, remainingBudget, type BudgetLimits, type BudgetView } from '../llm/budget.ts';
import type { RunOptions } from '../runtime/run-options.ts';
import { pinOf, renderPrompt, type PinnedPrompt, type PromptDeclaration, type RenderedPrompt } from '../llm/prompt.ts';
import { singleModelRoute } from '../llm/route.ts';
import type { Message } from '../model/completion.ts';
import type { CompletionEffectInput } from '../worker/complete-on-route.ts';
import { runToolLoop } from './tool-loop.ts';
import { toToolSpec } from './to-tool-spec.ts';

/** A completed step whose worker registered a compensation: what the saga undoes on failure. */
export interface CompensableStep {
  stepId: string;
  name: string;
  type: 'step' | 'tool';
  input: unknown;
  output: unknown;
  retry: RetryPolicy;
}

export const approvalSignalName = (name: string) => `approval:${name}`;

const approvalPayloadSchema = z.object({
  approved: z.boolean(),
  by: z.string().optional(),
  comment: z.string().optional(),
});

/**
 * `AgentContext` over a `DurableHost`. Assigns positions and step ids in call order (synchronously,
 * so `Promise.all` over steps is deterministic), validates before anything is journaled, and keeps
 * the compensation stack. Once an interrupt has been thrown, every later call throws it again.
 */
export class AgentContextImpl implements AgentContext {
  readonly run: RunView;
  readonly llm: LlmContext;
  readonly compensable: CompensableStep[] = [];
  interrupt: ExecutionInterrupt | undefined;

  readonly #host: DurableHost;
  readonly #agent: AgentDeclaration;
  readonly #budget: BudgetLimits | undefined;
  readonly #random: () => number;
  readonly #occurrences = new Map<string, number>();
  readonly #pinnedPrompts = new Map<string, Promise<PinnedPrompt>>();
  readonly #used = emptyUsage();
  #position = 0;

  constructor(agent: AgentDeclaration, host: DurableHost, options: RunOptions = {}) {
    this.#agent = agent;
    this.#budget = agent.budget || options.budget ? { ...agent.budget, ...options.budget } : undefined;
    this.#host = host;
    this.#random = createSeededRandom(host.seed);
    this.run = Object.freeze({ id: host.runId, agent: agent.name, attempt: host.execution });
    this.llm = {
      complete: (request) => this.#complete(request),
      generate: (request: GenerateRequest): Promise<GenerateResult> => runToolLoop(this, request),
    };
  }

  get budget(): BudgetView {
    const limits = this.#budget ?? {};
    return { limits, used: { ...this.#used }, remaining: remainingBudget(limits, this.#used) };
  }

  async prompt<V>(prompt: PromptDeclaration<V>, variables: V, options: { label?: string } = {}): Promise<RenderedPrompt> {
    const parsed = validate(prompt.variables, variables, (issues) => new ConfigError(`Variables for prompt "${prompt.name}" are invalid: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, { prompt: prompt.name }));
    let pinned = this.#pinnedPrompts.get(prompt.name);
    if (!pinned) {
      pinned = this.#effect({
        ...this.#next('prompt', prompt.name),
        target: { type: 'prompt' },
        input: { ...pinOf(prompt), ...(options.label === undefined ? {} : { label: options.label }) },
        retry: resolveRetryPolicy(this.#agent.retry),
      }).then((result) => result.output as PinnedPrompt);
      this.#pinnedPrompts.set(prompt.name, pinned);
    }
    return renderPrompt(await pinned, parsed as Record<string, unknown>);
  }

  step<I, O, In>(step: StepDeclaration<I, O, In>, input: In): Promise<O> {
    return this.#runDeclared(step, input);
  }

  tool(tool: ToolDeclaration | string, input: unknown): Promise<any> {
    const declaration = typeof tool === 'string' ? this.#agent.tools.find((candidate) => candidate.name === tool) : tool;
    if (!declaration) return this.#reject(new UnknownToolError(String(tool), this.#agent.tools.map((t) => t.name)));
    return this.#runDeclared(declaration, input);
  }

  async sleep(duration: Duration): Promise<void> {
    const durationMs = toMilliseconds(duration, 'sleep duration');
    await this.#guard(() => this.#host.sleep({ ...this.#next('sleep', 'sleep'), durationMs }));
  }

  async waitForSignal<T = unknown>(
    name: string,
    options: { timeout?: Duration; schema?: z.ZodType<T> } = {},
  ): Promise<SignalResult<T>> {
    const timeoutMs = options.timeout === undefined ? undefined : toMilliseconds(options.timeout, 'signal timeout');
    const call = { ...this.#next('signal', name), signal: name, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
    const outcome = await this.#guard(() => this.#host.waitForSignal(call));
    if (!outcome.received) return { received: false, reason: 'timeout' };
    const payload = options.schema
      ? validate(options.schema, outcome.payload, (issues) => new SignalPayloadError(name, issues))
      : (outcome.payload as T);
    return { received: true, payload };
  }

  async approval(name: string, options: { timeout?: Duration } = {}): Promise<ApprovalResult> {
    const result = await this.waitForSignal(approvalSignalName(name), { ...options, schema: approvalPayloadSchema });
    if (!result.received) return { approved: false, timedOut: true };
    const { approved, by, comment } = result.payload;
    return { approved, timedOut: false, ...(by === undefined ? {} : { by }), ...(comment === undefined ? {} : { comment }) };
  }

  async now(): Promise<Date> {
    return new Date(await this.#guard(() => this.#host.now(this.#next('now', 'now'))));
  }

  random(): number {
    return this.#random();
  }

  uuid(): string {
    return seededUuid(this.#random);
  }

  /** Runs the compensation of a completed step, as a journaled effect of its own. */
  compensate(step: CompensableStep): Promise<unknown> {
    return this.#effect({
      ...this.#next('compensation', step.name),
      target: { type: 'compensation', of: { type: step.type, name: step.name } },
      input: { stepId: step.stepId, input: step.input, output: step.output },
      retry: step.retry,
    }).then((result) => result.output);
  }

  async #runDeclared<I, O, In>(declaration: StepDeclaration<I, O, In>, input: unknown): Promise<O> {
    const parsed = validate(declaration.input, input, (issues) => new ToolInputError(declaration.name, issues));
    const retry = resolveRetryPolicy(this.#agent.retry, declaration.retry);
    const call = { ...this.#next(declaration.type, declaration.name), target: { type: declaration.type, name: declaration.name }, input: parsed, retry };
    const result = await this.#effect(call);
    if (result.compensable) {
      this.compensable.push({ stepId: call.stepId, name: declaration.name, type: declaration.type, input: parsed, output: result.output, retry });
    }
    return validate(declaration.output, result.output, (issues) => new OutputValidationError(`${declaration.type} "${declaration.name}"`, issues));
  }

  async #complete(request: CompleteRequest): Promise<Completion> {
    const route = typeof request.model === 'string' ? singleModelRoute(request.model) : request.model;
    const messages: Message[] = [...(request.prompt?.messages ?? []), ...(request.messages ?? [])];
    const limits = this.#budget;
    const input: CompletionEffectInput = {
      requested: typeof request.model === 'string' ? request.model : `route:${route.name}`,
      route,
      request: {
        messages,
        ...(request.tools?.length ? { tools: request.tools.map(toToolSpec) } : {}),
        ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      },
      ...(limits ? { budget: remainingBudget(limits, this.#used) } : {}),
      ...(request.prompt ? { prompt: { name: request.prompt.name, version: request.prompt.version } } : {}),
      ...(request.stream ? { stream: true } : {}),
    };
    const result = await this.#effect({
      ...this.#next('llm', request.name ?? 'complete'),
      target: { type: 'llm' },
      input,
      retry: resolveRetryPolicy(this.#agent.retry),
    });
    const completion = result.output as Completion;
    this.#used.inputTokens += completion.usage.inputTokens;
    this.#used.outputTokens += completion.usage.outputTokens;
    this.#used.totalTokens += completion.usage.totalTokens;
    this.#used.costUsd += completion.costUsd ?? 0;
    return completion;
  }

  #effect(call: EffectCall) {
    return this.#guard(() => this.#host.effect(call));
  }

  #next(kind: StepKind, name: string): StepCall {
    const key = `${kind}:${name}`;
    const occurrence = (this.#occurrences.get(key) ?? 0) + 1;
    this.#occurrences.set(key, occurrence);
    return { position: this.#position++, stepId: `${key}#${occurrence}`, kind, name };
  }

  async #guard<T>(call: () => Promise<T>): Promise<T> {
    if (this.interrupt) throw this.interrupt;
    try {
      return await call();
    } catch (error) {
      if (ExecutionInterrupt.isInstance(error)) throw (this.interrupt ??= error);
      // Divergent code must not run on, nor be compensated: park the run until compatible code is back.
      if (RatchetError.isInstance(error) && error.kind === 'non-determinism') throw (this.interrupt ??= new ExecutionInterrupt('dead-letter', { error }));
      throw error;
    }
  }

  #reject(error: Error): Promise<never> {
    return Promise.reject(this.interrupt ?? error);
  }
}
