import { ConfigError } from '../errors/errors.ts';

export interface ModelId {
  provider: string;
  model: string;
}

/** Splits `openai:gpt-4o-mini` into provider and model; the model part may itself contain colons. */
export function parseModelId(id: string): ModelId {
  const at = id.indexOf(':');
  if (at <= 0 || at === id.length - 1) {
    throw new ConfigError(`Model id "${id}" must look like "provider:model", for example "openai:gpt-4o-mini"`, {
      modelId: id,
    });
  }
  return { provider: id.slice(0, at), model: id.slice(at + 1) };
}

/** The id a route names a model by: `formatModelId('openai', 'gpt-4o-mini')` is `openai:gpt-4o-mini`. */
export function formatModelId(provider: string, model: string): string {
  return `${provider}:${model}`;
}
