// The Ratchet side's agents. Declarations and orchestration only (zod and @ratchet/core), so the
// Temporal driver bundles this module into its workflow unchanged.
import { z } from 'zod';
import { defineAgent, defineStep } from '@ratchet/core';
import { benchMessages, benchModel, releaseSignal } from './workload.ts';

/** A step that does nothing: its implementation only marks the probe. */
export const noopStep = defineStep({ name: 'noop', input: z.null(), output: z.null() });

export const stepsAgent = defineAgent({
  name: 'bench_steps',
  input: z.object({ steps: z.number().int().nonnegative() }),
  output: z.null(),
  async run(ctx, { steps }) {
    for (let i = 0; i < steps; i++) await ctx.step(noopStep, null);
    return null;
  },
});

export const nowAgent = defineAgent({
  name: 'bench_now',
  input: z.object({ steps: z.number().int().nonnegative(), nows: z.number().int().nonnegative() }),
  output: z.null(),
  async run(ctx, { steps, nows }) {
    for (let i = 0; i < steps; i++) {
      if (i > 0) for (let j = 0; j < nows; j++) await ctx.now();
      await ctx.step(noopStep, null);
    }
    return null;
  },
});

export const sleepAgent = defineAgent({
  name: 'bench_sleep',
  input: z.object({ sleeps: z.number().int().nonnegative(), ms: z.number().int().positive() }),
  output: z.null(),
  async run(ctx, { sleeps, ms }) {
    await ctx.step(noopStep, null);
    for (let i = 0; i < sleeps; i++) {
      await ctx.sleep(ms);
      await ctx.step(noopStep, null);
    }
    return null;
  },
});

export const completionsAgent = defineAgent({
  name: 'bench_completions',
  input: z.object({ completions: z.number().int().nonnegative() }),
  output: z.null(),
  async run(ctx, { completions }) {
    for (let i = 0; i < completions; i++) {
      await ctx.llm.complete({ name: 'ask', model: `openai:${benchModel}`, messages: benchMessages });
    }
    return null;
  },
});

export const recoveryAgent = defineAgent({
  name: 'bench_recovery',
  input: z.object({ steps: z.number().int().nonnegative(), rounds: z.number().int().positive() }),
  output: z.null(),
  async run(ctx, { steps, rounds }) {
    for (let i = 0; i < steps; i++) await ctx.step(noopStep, null);
    for (let round = 0; round < rounds; round++) {
      await ctx.waitForSignal(releaseSignal);
      await ctx.step(noopStep, null);
    }
    return null;
  },
});

export const benchAgents = [stepsAgent, nowAgent, completionsAgent, sleepAgent, recoveryAgent];
