import { z } from 'zod';

/**
 * The fields of a Chat Completions answer this provider reads, with the types it reads them as.
 * Checked before anything is read, so an answer that is not one (a gateway's own JSON, a proxy's
 * page, a half-written event) is named as such instead of failing somewhere inside. Fields it does
 * not read are not checked, so a server that adds fields still works.
 */
const usageShape = z
  .object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish(), total_tokens: z.number().nullish() })
  .nullish();

/** The choices: text, refusal and tool calls under `message` in an answer, under `delta` in a chunk. */
const choicesShape = (field: 'message' | 'delta', toolCall: z.ZodType) =>
  z.array(
    z.object({
      [field]: z.object({ content: z.string().nullish(), refusal: z.string().nullish(), tool_calls: z.array(toolCall).nullish() }),
      finish_reason: z.string().nullish(),
    }),
  );

export const chatCompletionShape = z.object({
  model: z.string(),
  choices: choicesShape(
    'message',
    z.discriminatedUnion('type', [
      z.object({ type: z.literal('function'), id: z.string(), function: z.object({ name: z.string(), arguments: z.string() }) }),
      z.object({ type: z.literal('custom') }),
    ]),
  ),
  usage: usageShape,
});

export const chatCompletionChunkShape = z.object({
  model: z.string().nullish(),
  usage: usageShape,
  choices: choicesShape(
    'delta',
    z.object({
      index: z.int().nonnegative(),
      id: z.string().nullish(),
      function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
    }),
  ),
});
