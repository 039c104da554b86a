import { Context } from '@temporalio/activity';
import OpenAI from 'openai';
import { probe } from '../../harness/step-probe.ts';
import { benchMessages, benchModel } from '../../workloads/workload.ts';
import type { BareActivities } from './bare-contract.ts';

/** The bare worker's activities; the completion goes through the official client, by hand. */
export function bareActivities(openaiBaseURL: string): BareActivities {
  const openai = new OpenAI({ apiKey: 'bench-key', baseURL: openaiBaseURL, maxRetries: 0 });
  return {
    async noop() {
      probe.mark(runIdOfActivity());
    },
    async complete() {
      return openai.chat.completions.create(
        { model: benchModel, messages: benchMessages },
        { headers: { 'Idempotency-Key': `${runIdOfActivity()}:${Context.current().info.activityId}` } },
      );
    },
  };
}

/** The workflow id of the running activity (the SDK types allow standalone activities, which have none). */
function runIdOfActivity(): string {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw new Error('bench activities run inside workflows only');
  return execution.workflowId;
}
