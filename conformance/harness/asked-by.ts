import type { ModelServer } from '@ratchet/testing';

/**
 * Model requests a run made through `api`: those whose message ends with `(run <id>)`, as the
 * fixture agents end their prompts. (A later prompt may quote an earlier answer, which quotes
 * another run's marker; only the last one names the asker.)
 */
export function askedBy(models: ModelServer, runId: string, api: 'openai' | 'anthropic'): number {
  return models.requests.filter((request) => request.api === api && JSON.stringify(request.body).includes(`(run ${runId})"`)).length;
}
