// The agent module: declarations and orchestration only. No provider SDK, no Node built-in, no I/O:
// it bundles into a Temporal workflow unchanged, and every driver runs it the same way.
import { z } from 'zod';
import { defineAgent, definePrompt, defineRoute, defineTool, TerminalError } from '@ratchet/core';

export const fileTicket = defineTool({
  name: 'file_ticket',
  description: 'File a ticket in the team tracker',
  input: z.object({ title: z.string(), body: z.string() }),
  output: z.object({ id: z.string(), duplicate: z.boolean() }),
});

export const sendEmail = defineTool({
  name: 'send_email',
  description: 'Email the requester',
  input: z.object({ to: z.email(), subject: z.string(), body: z.string() }),
  output: z.object({ id: z.string(), duplicate: z.boolean() }),
});

/** The ticket text, versioned: a run keeps the version it started with, even across a deploy. */
export const ticketPrompt = definePrompt({
  name: 'ticket',
  variables: z.object({ notes: z.string() }),
  system: 'You write crisp internal tickets.',
  template: 'Write a ticket description from these notes:\n{{notes}}',
});

export const researchAgent = defineAgent({
  name: 'research-agent',
  input: z.object({
    topic: z.string().min(3),
    requester: z.email(),
    /** `provider:model` for each completion. */
    researchModel: z.string().default('openai:gpt-4o-mini'),
    draftModel: z.string().default('anthropic:claude-sonnet-4-5'),
  }),
  output: z.object({ ticket: z.string(), email: z.string(), approvedBy: z.string() }),
  tools: [fileTicket, sendEmail],
  retry: { maxAttempts: 4, initialIntervalMs: 250 },
  budget: { maxTotalTokens: 20_000 },
  async run(ctx, input) {
    // Research falls back to the draft model when the research model is rate-limited or down.
    const researchRoute = defineRoute({
      name: 'research',
      models: [...new Set([input.researchModel, input.draftModel])],
      policy: { retries: { 'rate-limited': 1 }, initialBackoffMs: 100 },
    });
    const research = await ctx.llm.complete({
      name: 'research',
      model: researchRoute,
      maxOutputTokens: 400,
      messages: [
        { role: 'system', content: 'You are a careful research assistant. Answer in five short bullet points.' },
        { role: 'user', content: `What should an engineer know about ${input.topic}?` },
      ],
    });
    const draft = await ctx.llm.complete({
      name: 'draft',
      model: input.draftModel,
      maxOutputTokens: 400,
      prompt: await ctx.prompt(ticketPrompt, { notes: research.text }),
    });
    // A side effect with a compensation: if the run fails later, the ticket is closed again.
    const ticket = await ctx.tool(fileTicket, { title: `Research: ${input.topic}`, body: draft.text });

    const decision = await ctx.approval('notify-requester', { timeout: '1h' });
    if (!decision.approved) throw new TerminalError(decision.timedOut ? 'nobody approved within an hour' : 'the reviewer said no');

    const email = await ctx.tool(sendEmail, {
      to: input.requester,
      subject: `Ticket ${ticket.id}: ${input.topic}`,
      body: draft.text,
    });
    return { ticket: ticket.id, email: email.id, approvedBy: decision.by ?? 'unknown' };
  },
});
