import { z } from 'zod';
import { assertName } from '../declarations/names.ts';
import { digest } from '../journal/digest.ts';
import type { Message } from '../model/completion.ts';
import { ConfigError } from '../errors/errors.ts';

/**
 * A versioned prompt: a template with typed variables. The version is explicit or a hash of the
 * text. A run pins the version the first time it uses a prompt (journaled with the template), so
 * after a deploy that changes the prompt, in-flight runs keep theirs and new runs get the new one.
 *
 * @example
 * export const summarise = definePrompt({
 *   name: 'summarise',
 *   variables: z.object({ topic: z.string() }),
 *   system: 'You are terse.',
 *   template: 'Summarise {{topic}} in three bullet points.',
 * });
 */
export interface PromptDeclaration<V = any> {
  readonly name: string;
  readonly version: string;
  readonly variables: z.ZodType<V>;
  readonly template: string;
  readonly system?: string;
  /** Labels such as `production` or `candidate`; a run resolves a label to a version once. */
  readonly labels: readonly string[];
}

/** What a run pins: the exact text it renders, whatever the code says later. */
export interface PinnedPrompt {
  name: string;
  version: string;
  template: string;
  system?: string;
}

/** A prompt rendered for one completion; `ctx.llm.complete({ prompt })` records its name and version. */
export interface RenderedPrompt {
  name: string;
  version: string;
  messages: Message[];
}

export function definePrompt<V>(options: {
  name: string;
  variables: z.ZodType<V>;
  template: string;
  system?: string;
  version?: string;
  labels?: string[];
}): PromptDeclaration<V> {
  assertName('prompt', options.name);
  const version = options.version ?? digest({ template: options.template, system: options.system ?? null }).slice(0, 12);
  return Object.freeze({
    name: options.name,
    version,
    variables: options.variables,
    template: options.template,
    ...(options.system === undefined ? {} : { system: options.system }),
    labels: options.labels ?? [],
  });
}

export function pinOf(prompt: PromptDeclaration): PinnedPrompt {
  return { name: prompt.name, version: prompt.version, template: prompt.template, ...(prompt.system === undefined ? {} : { system: prompt.system }) };
}

/** Fills `{{name}}` placeholders; a placeholder without a variable is a `ConfigError`. */
export function renderPrompt(pinned: PinnedPrompt, variables: Record<string, unknown>): RenderedPrompt {
  const fill = (text: string) =>
    text.replace(/\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g, (_match, key: string) => {
      if (!(key in variables)) throw new ConfigError(`Prompt "${pinned.name}" v${pinned.version} uses {{${key}}} but no such variable was given`, { prompt: pinned.name, variable: key });
      const value = variables[key];
      return typeof value === 'string' ? value : JSON.stringify(value);
    });
  const messages: Message[] = [];
  if (pinned.system !== undefined) messages.push({ role: 'system', content: fill(pinned.system) });
  messages.push({ role: 'user', content: fill(pinned.template) });
  return { name: pinned.name, version: pinned.version, messages };
}
