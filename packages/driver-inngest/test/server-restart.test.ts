import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defineAgent } from '@ratchet/core';
import { echo } from './fixtures/agents.ts';
import { suiteHarness } from './harness.ts';

/** A step, a durable sleep, a step: the server and its Redis are killed during the sleep. */
const napAgent = defineAgent({
  name: 'nap',
  input: z.object({}),
  output: z.object({ texts: z.array(z.string()) }),
  async run(ctx) {
    const first = await ctx.step(echo, { text: 'before' });
    await ctx.sleep('2s');
    const second = await ctx.step(echo, { text: 'after' });
    return { texts: [first.text, second.text] };
  },
});

describe('inngest driver, the server and its Redis killed with SIGKILL', () => {
  const harness = suiteHarness([napAgent]);

  it('finishes a run across a restart on the same data, applying each step once', async () => {
    const h = harness();
    const run = await h.client.start(napAgent, {}, { runId: 'nap-1' });
    // In the sleep: the first step is journaled, the second has not started.
    while (!(await h.client.journal('nap-1')).some((entry) => entry.stepId === 'step:echo#1')) await new Promise((resolve) => setTimeout(resolve, 20));
    await h.server.restart();
    assert.deepEqual(await run.result({ timeoutMs: 90_000 }), { texts: ['BEFORE', 'AFTER'] });
    assert.deepEqual(h.applied, ['nap-1:step:echo#1', 'nap-1:step:echo#2']);
  });
});
