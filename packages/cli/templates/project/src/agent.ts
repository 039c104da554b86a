// The agent module: declarations and orchestration only. It imports nothing but zod and
// @ratchet/core, so it bundles into a Temporal workflow unchanged and runs the same on every driver.
import { z } from 'zod';
import { defineAgent, defineTool, TerminalError } from '@ratchet/core';

/** Declared here, implemented on the worker (src/worker.ts): the agent only names it. */
export const saveNote = defineTool({
  name: 'save_note',
  description: 'Save a note to the notes file',
  input: z.object({ title: z.string(), body: z.string() }),
  output: z.object({ file: z.string(), duplicate: z.boolean() }),
});

export const noteTaker = defineAgent({
  name: 'note-taker',
  input: z.object({
    topic: z.string().min(1),
    /** `provider:model`; the worker must host that provider (src/worker.ts). */
    model: z.string().default('openai:gpt-4o-mini'),
  }),
  output: z.object({ note: z.string(), file: z.string(), approvedBy: z.string() }),
  tools: [saveNote],
  async run(ctx, { topic, model }) {
    // Journaled: after a crash the journal answers and the model is not asked (or paid) again.
    const answer = await ctx.llm.complete({
      name: 'write-note',
      model,
      maxOutputTokens: 300,
      messages: [
        { role: 'system', content: 'You write short, useful notes.' },
        { role: 'user', content: `Write a note of three lines about ${topic}.` },
      ],
    });
    // The run waits here, durably, until `npx ratchet approve <run> save-note` (or client.approve).
    const decision = await ctx.approval('save-note', { timeout: '1d' });
    if (!decision.approved) throw new TerminalError(decision.timedOut ? 'nobody approved the note within a day' : 'the note was rejected');
    const saved = await ctx.tool(saveNote, { title: topic, body: answer.text });
    return { note: answer.text, file: saved.file, approvedBy: decision.by ?? 'unknown' };
  },
});
