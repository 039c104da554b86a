import { Inngest } from 'inngest';
import OpenAI from 'openai';
import { probe } from '../../harness/step-probe.ts';
import { benchMessages, benchModel, type Workload } from '../../workloads/workload.ts';

export const bareApp = 'bench-bare';
export const bareEvents = {
  start: (runId: string) => `${bareApp}/start/${runId}`,
  go: (runId: string) => `${bareApp}/go/${runId}`,
};

/**
 * The bare side's function: plain Inngest, the way a team would write it without Ratchet. A step is
 * a `step.run` of the no-op; a completion a `step.run` around the `openai` client's call returning
 * the raw response; a read of the time a `step.run` returning `Date.now()` (memoized, as Inngest has no
 * deterministic clock); a sleep `step.sleep`; a recovery round a `step.waitForEvent` for that round's `go` event.
 */
export function bareInngestFunction(client: Inngest.Any, openaiBaseURL: string) {
  const openai = new OpenAI({ apiKey: 'bench-key', baseURL: openaiBaseURL, maxRetries: 0 });
  return client.createFunction({ id: 'bench-bare', triggers: [{ event: `${bareApp}/start/*` }] }, async ({ event, step }) => {
    const { runId, workload } = event.data as { runId: string; workload: Workload };
    const noop = (i: number) =>
      step.run(`noop-${i}`, async () => {
        probe.mark(runId);
        return null;
      });
    switch (workload.kind) {
      case 'steps':
        for (let i = 0; i < workload.steps; i++) await noop(i);
        break;
      case 'now':
        for (let i = 0; i < workload.steps; i++) {
          if (i > 0) for (let j = 0; j < workload.nows; j++) await step.run(`now-${i}-${j}`, () => Date.now());
          await noop(i);
        }
        break;
      case 'sleep':
        await noop(0);
        for (let i = 0; i < workload.sleeps; i++) {
          await step.sleep(`sleep-${i}`, workload.ms);
          await noop(i + 1);
        }
        break;
      case 'completions':
        for (let i = 0; i < workload.completions; i++) {
          await step.run(`complete-${i}`, () =>
            openai.chat.completions.create({ model: benchModel, messages: benchMessages }, { headers: { 'Idempotency-Key': `${runId}:${i}` } }),
          );
        }
        break;
      case 'recovery':
        for (let i = 0; i < workload.steps; i++) await noop(i);
        for (let round = 0; round < workload.rounds; round++) {
          await step.waitForEvent(`go-${round}`, { event: bareEvents.go(runId), if: `async.data.round == ${round}`, timeout: '1h' });
          await noop(workload.steps + round);
        }
        break;
    }
    return null;
  });
}
