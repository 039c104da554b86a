import * as restate from '@restatedev/restate-sdk';
import OpenAI from 'openai';
import { probe } from '../../harness/step-probe.ts';
import { benchMessages, benchModel, type Workload } from '../../workloads/workload.ts';

export const bareServiceName = 'bench_bare';

/** The promise a recovery run waits on in its `round`-th round. */
export const releasePromise = (round: number) => `go-${round}`;

/**
 * The bare side's workflow: plain Restate, the way a team would write it without Ratchet. A step is
 * a `ctx.run` of the no-op; a completion a `ctx.run` around the `openai` client's call returning the
 * raw response; a read of the time `ctx.date.now()`; a sleep `ctx.sleep`; a recovery round waits on a
 * durable promise that the shared `go` handler resolves.
 */
export function bareRestateService(openaiBaseURL: string, inactivityTimeoutMs: number) {
  const openai = new OpenAI({ apiKey: 'bench-key', baseURL: openaiBaseURL, maxRetries: 0 });
  return restate.workflow({
    name: bareServiceName,
    handlers: {
      run: async (ctx: restate.WorkflowContext, workload: Workload): Promise<null> => {
        const noop = () =>
          ctx.run('noop', async () => {
            probe.mark(ctx.key);
            return null;
          });
        switch (workload.kind) {
          case 'steps':
            for (let i = 0; i < workload.steps; i++) await noop();
            break;
          case 'now':
            for (let i = 0; i < workload.steps; i++) {
              if (i > 0) for (let j = 0; j < workload.nows; j++) await ctx.date.now();
              await noop();
            }
            break;
          case 'sleep':
            await noop();
            for (let i = 0; i < workload.sleeps; i++) {
              await ctx.sleep(workload.ms);
              await noop();
            }
            break;
          case 'completions':
            for (let i = 0; i < workload.completions; i++) {
              await ctx.run('complete', () =>
                openai.chat.completions.create({ model: benchModel, messages: benchMessages }, { headers: { 'Idempotency-Key': `${ctx.key}:${i}` } }),
              );
            }
            break;
          case 'recovery':
            for (let i = 0; i < workload.steps; i++) await noop();
            for (let round = 0; round < workload.rounds; round++) {
              await ctx.promise<null>(releasePromise(round)).get();
              await noop();
            }
            break;
        }
        return null;
      },
      go: restate.handlers.workflow.shared(async (ctx: restate.WorkflowSharedContext, round: number): Promise<void> => {
        await ctx.promise<null>(releasePromise(round)).resolve(null);
      }),
    },
    options: { inactivityTimeout: inactivityTimeoutMs },
  });
}
