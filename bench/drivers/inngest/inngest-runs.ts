import { createHash } from 'node:crypto';
import type { StoredBytes } from '../../harness/bench-side.ts';
import { waitUntil } from '../../harness/wait-until.ts';

interface TraceSpan {
  status: string;
  stepOp?: string;
  output?: unknown;
  children?: TraceSpan[];
}

/**
 * The bench's reads of a self-hosted Inngest server, for either side: a run is found by its start
 * event (each side names it after the run id), then read from its trace. The same uncached REST
 * reads the Inngest driver makes (`/v1/events`, `/api/v2/events/{id}/runs`, `/api/v2/runs/{id}/trace`),
 * which it keeps private; authenticated with the signing key's hash, as the SDK does.
 */
export class InngestRuns {
  readonly #baseUrl: string;
  readonly #authorization: string;
  readonly #runIds = new Map<string, string>();

  constructor(baseUrl: string, signingKey: string) {
    this.#baseUrl = baseUrl.replace(/\/+$/, '');
    const prefix = /^signkey-[\w]+-/.exec(signingKey)?.[0] ?? '';
    this.#authorization = `Bearer ${prefix}${createHash('sha256').update(Buffer.from(signingKey.slice(prefix.length), 'hex')).digest('hex')}`;
  }

  awaitCompleted(startEvent: string): Promise<void> {
    return waitUntil(async () => (await this.#trace(startEvent))?.status === 'COMPLETED', `inngest run of ${startEvent} completed`, 300_000, 20);
  }

  /** A `waitForEvent` step is waiting and nothing else of the run is in flight. */
  awaitWaiting(startEvent: string): Promise<void> {
    return waitUntil(
      async () => {
        const spans = flatten(await this.#trace(startEvent));
        return spans.some((s) => s.status === 'WAITING' && s.stepOp === 'WAIT_FOR_EVENT') && !spans.some((s) => s !== spans[0] && (s.status === 'RUNNING' || s.status === 'QUEUED'));
      },
      `inngest run of ${startEvent} waiting for its event`,
      300_000,
      20,
    );
  }

  /** The run's step outputs and its result as the server keeps them (its run state), in JSON bytes. */
  async storedBytes(startEvent: string): Promise<StoredBytes> {
    let payload = 0;
    for (const span of flatten(await this.#trace(startEvent))) {
      if (span.output !== undefined) payload += Buffer.byteLength(JSON.stringify(span.output));
    }
    return { payload };
  }

  async #trace(startEvent: string): Promise<TraceSpan | undefined> {
    const runId = await this.#runId(startEvent);
    if (!runId) return undefined;
    const response = await this.#fetch(`/api/v2/runs/${runId}/trace?includeOutput=true`);
    if (response.status === 404) return undefined;
    return ((await this.#json(response)) as { data?: { rootSpan?: TraceSpan } }).data?.rootSpan;
  }

  async #runId(startEvent: string): Promise<string | undefined> {
    const known = this.#runIds.get(startEvent);
    if (known) return known;
    const events = ((await this.#json(await this.#fetch(`/v1/events?${new URLSearchParams({ name: startEvent })}`))) as { data: { internal_id: string }[] | null }).data ?? [];
    for (const event of events) {
      const runs = ((await this.#json(await this.#fetch(`/api/v2/events/${event.internal_id}/runs`))) as { data: { id: string }[] | null }).data ?? [];
      if (runs[0]) {
        this.#runIds.set(startEvent, runs[0].id);
        return runs[0].id;
      }
    }
    return undefined;
  }

  #fetch(path: string): Promise<Response> {
    return fetch(`${this.#baseUrl}${path}`, { headers: { authorization: this.#authorization } });
  }

  async #json(response: Response): Promise<unknown> {
    const text = await response.text();
    if (!response.ok) throw new Error(`Inngest server answered ${response.status} to ${response.url}: ${text.slice(0, 300)}`);
    return JSON.parse(text);
  }
}

function flatten(root: TraceSpan | undefined): TraceSpan[] {
  if (!root) return [];
  return [root, ...(root.children ?? []).flatMap(flatten)];
}
