import { startModelServer, type ModelServer } from '@ratchet/testing';
import { runIdOfKey } from './run-ids.ts';
import { probe } from './step-probe.ts';

/**
 * The testing kit's model server, marking the probe when a request arrives: completions are timed
 * where they land, as both sides send `Idempotency-Key: {runId}:...`.
 */
export async function startBenchModels(): Promise<ModelServer> {
  const models = await startModelServer();
  models.on('request', (request) => {
    if (request.idempotencyKey) probe.mark(runIdOfKey(request.idempotencyKey));
  });
  return models;
}
