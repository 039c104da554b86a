import { z } from 'zod';

/**
 * The fields of a Messages answer and its stream events this provider reads, with the types it
 * reads them as. Checked before anything is read, so an answer that is not one (a gateway's own
 * JSON, a proxy's page, a half-written event) is named as such instead of failing somewhere inside.
 * Block and event types it does not read (thinking, server tools, ping, ...) pass unchecked, so
 * new ones the API adds still work.
 */
const usageShape = z.object({
  input_tokens: z.number().nullish(),
  output_tokens: z.number(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
});

/** A block or event of any type but these: one this provider does not read. */
// `abort` makes it fail a union like a wrong literal does, so the union names the issue of the branch whose type matched.
const otherThan = (...types: string[]) => z.object({ type: z.string().refine((type) => !types.includes(type), { abort: true }) });

const toolUseShape = z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() });

export const messageShape = z.object({
  model: z.string(),
  content: z.array(z.union([z.object({ type: z.literal('text'), text: z.string() }), toolUseShape, otherThan('text', 'tool_use')])),
  stop_reason: z.string().nullish(),
  usage: usageShape,
});

export const messageStreamEventShape = z.union([
  z.object({ type: z.literal('message_start'), message: z.object({ model: z.string(), usage: usageShape }) }),
  z.object({ type: z.literal('content_block_start'), index: z.int().nonnegative(), content_block: z.union([toolUseShape, otherThan('tool_use')]) }),
  z.object({
    type: z.literal('content_block_delta'),
    index: z.int().nonnegative(),
    delta: z.union([
      z.object({ type: z.literal('text_delta'), text: z.string() }),
      z.object({ type: z.literal('input_json_delta'), partial_json: z.string() }),
      otherThan('text_delta', 'input_json_delta'),
    ]),
  }),
  z.object({ type: z.literal('message_delta'), delta: z.object({ stop_reason: z.string().nullish() }), usage: usageShape }),
  otherThan('message_start', 'content_block_start', 'content_block_delta', 'message_delta'),
]);
