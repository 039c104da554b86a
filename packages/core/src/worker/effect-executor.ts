import type { AgentDeclaration } from '../declarations/agent.ts';
import { ConfigError, MissingImplementationError } from '../errors/errors.ts';
import type { Completion, ModelRequest } from '../model/completion.ts';
import { parseModelId } from '../model/model-id.ts';
import type { ModelProvider } from '../model/model-provider.ts';
import type { CompensationInput, EffectResult, EffectTarget } from '../runtime/durable-host.ts';
import type { EffectContext, Implementation } from './implementation.ts';

export interface WorkerRegistry {
  agents: readonly AgentDeclaration[];
  implementations?: readonly Implementation[];
  providers?: readonly ModelProvider[];
}

/** The input of an `llm` effect as `ctx.llm.complete` journals it. */
export interface CompletionEffectInput {
  modelId: string;
  request: ModelRequest;
}

/**
 * Runs effects on a worker: finds the implementation or the model provider for a target and calls
 * it. Every driver's worker uses this one, so an effect means the same thing on every engine.
 */
export class EffectExecutor {
  readonly agents: ReadonlyMap<string, AgentDeclaration>;
  readonly #implementations = new Map<string, Implementation>();
  readonly #providers = new Map<string, ModelProvider>();

  constructor(registry: WorkerRegistry) {
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

  async execute(target: EffectTarget, input: unknown, context: EffectContext): Promise<EffectResult> {
    switch (target.type) {
      case 'llm':
        return { output: await this.#complete(input as CompletionEffectInput, context), compensable: false };
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

  #complete({ modelId, request }: CompletionEffectInput, context: EffectContext): Promise<Completion> {
    const { provider: providerId } = parseModelId(modelId);
    const provider = this.#providers.get(providerId);
    if (!provider) throw new MissingImplementationError(`model provider "${providerId}"`, [...this.#providers.keys()]);
    return provider.doComplete(request, { signal: context.signal, idempotencyKey: context.idempotencyKey });
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
