import type { AgentDeclaration } from '../declarations/agent.ts';
import type { EffectRunner } from '../driver/driver.ts';
import { ConfigError, MissingImplementationError } from '../errors/errors.ts';
import { pinOf, type PinnedPrompt, type PromptDeclaration } from '../llm/prompt.ts';
import type { ModelProvider } from '../model/model-provider.ts';
import type { CompensationInput, EffectResult, EffectTarget } from '../runtime/durable-host.ts';
import { completeOnRoute, type CompletionEffectInput } from './complete-on-route.ts';
import type { EffectContext, Implementation } from './implementation.ts';
import { ModelCatalog, type ModelFacts } from './model-catalog.ts';
import { ModelCooldown } from './model-cooldown.ts';
import { EffectSpans, type TelemetryOptions } from './effect-spans.ts';

export interface WorkerRegistry {
  agents: readonly AgentDeclaration[];
  implementations?: readonly Implementation[];
  providers?: readonly ModelProvider[];
  /** Every deployed version of each prompt; labels resolve against these. */
  prompts?: readonly PromptDeclaration[];
  /** Context windows and prices by `provider:model`, over the bundled catalog. */
  models?: Record<string, ModelFacts>;
  /**
   * Live output of completions asked with `stream: true`. The journal keeps only the whole answer,
   * and a replay returns it at once without calling this.
   */
  onToken?: (event: { runId: string; stepId: string; delta: string }) => void;
  /** OpenTelemetry spans of the effects this worker runs (see `EffectSpans`); the global provider by default. */
  telemetry?: TelemetryOptions;
}

/**
 * Runs effects on a worker: finds the implementation or the model provider for a target and calls
 * it. Every driver's worker uses this one, so an effect means the same thing on every engine.
 */
export class EffectExecutor implements EffectRunner {
  readonly agents: ReadonlyMap<string, AgentDeclaration>;
  readonly #implementations = new Map<string, Implementation>();
  readonly #providers = new Map<string, ModelProvider>();
  readonly #prompts: readonly PromptDeclaration[];
  readonly #catalog: ModelCatalog;
  readonly #cooldown = new ModelCooldown();
  readonly #onToken: WorkerRegistry['onToken'];
  readonly #spans: EffectSpans;

  /** `driver` names the driver on the spans (`ratchet.driver`). */
  constructor(registry: WorkerRegistry, driver = 'unknown') {
    this.#spans = new EffectSpans(driver, registry.telemetry);
    this.#prompts = registry.prompts ?? [];
    this.#catalog = new ModelCatalog(registry.models);
    this.#onToken = registry.onToken;
    this.agents = uniqueBy(registry.agents, (agent) => agent.name, 'agent');
    for (const [key, implementation] of uniqueBy(
      registry.implementations ?? [],
      (i) => `${i.declaration.type}:${i.declaration.name}`,
      'implementation',
    )) {
      this.#implementations.set(key, implementation);
    }
    for (const [id, provider] of uniqueBy(registry.providers ?? [], (p) => p.id, 'model provider')) {
      this.#providers.set(id, provider);
    }
  }

  execute(target: EffectTarget, input: unknown, context: EffectContext): Promise<EffectResult> {
    return this.#spans.around(target, input, context, () => this.#execute(target, input, context));
  }

  async #execute(target: EffectTarget, input: unknown, context: EffectContext): Promise<EffectResult> {
    switch (target.type) {
      case 'llm':
        return { output: await this.#complete(input as CompletionEffectInput, context), compensable: false };
      case 'prompt':
        return { output: this.#pinPrompt(input as PinnedPrompt & { label?: string }), compensable: false };
      case 'compensation': {
        const implementation = this.#implementation(target.of);
        const { input: original, output } = input as CompensationInput;
        await implementation.compensate?.(original, output, context);
        return { output: null, compensable: false };
      }
      default: {
        const implementation = this.#implementation(target);
        const output = await implementation.execute(input, context);
        return { output: output === undefined ? null : output, compensable: implementation.compensate !== undefined };
      }
    }
  }

  #implementation(target: { type: 'step' | 'tool'; name: string }): Implementation {
    const implementation = this.#implementations.get(`${target.type}:${target.name}`);
    if (!implementation) throw new MissingImplementationError(`${target.type} "${target.name}"`, [...this.#implementations.keys()]);
    return implementation;
  }

  #complete(input: CompletionEffectInput, context: EffectContext) {
    const onToken = this.#onToken;
    return completeOnRoute(input, {
      providers: this.#providers,
      catalog: this.#catalog,
      cooldown: this.#cooldown,
      stepId: context.stepId,
      idempotencyKey: context.idempotencyKey,
      signal: context.signal,
      ...(onToken ? { onToken: (delta: string) => onToken({ runId: context.runId, stepId: context.stepId, delta }) } : {}),
    });
  }

  /** The version a run pins: the labelled one from the registry, or the one the agent's code carries. */
  #pinPrompt({ label, ...current }: PinnedPrompt & { label?: string }): PinnedPrompt {
    if (label === undefined) return current;
    const labelled = this.#prompts.find((prompt) => prompt.name === current.name && prompt.labels.includes(label));
    if (!labelled) {
      const known = this.#prompts.filter((prompt) => prompt.name === current.name).flatMap((prompt) => prompt.labels.map((l) => `${l} (v${prompt.version})`));
      throw new ConfigError(`No version of prompt "${current.name}" is labelled "${label}" on this worker. Labelled: ${known.join(', ') || '(none)'}`, { prompt: current.name, label });
    }
    return pinOf(labelled);
  }
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string, what: string): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    const id = key(item);
    if (map.has(id)) throw new ConfigError(`Two ${what}s are registered as "${id}"`, { [what]: id });
    map.set(id, item);
  }
  return map;
}
