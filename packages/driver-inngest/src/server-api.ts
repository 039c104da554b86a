import { createHash } from 'node:crypto';
import { EngineRequestError, engineFetch } from '@ratchet/core';

/** An event as the server keeps it (`GET /v1/events`). */
export interface StoredEvent {
  /** The server's id (a ULID: sorts in the order events were received). */
  internal_id: string;
  /** The id the sender gave it, if any. */
  id?: string;
  name: string;
  data: Record<string, unknown>;
  ts: number;
}

/** One span of a run's trace (`GET /api/v2/runs/{id}/trace`): the run itself or one of its steps. */
export interface TraceSpan {
  name: string;
  status: string;
  stepOp?: string;
  stepId?: string;
  output?: unknown;
  queuedAt?: string;
  startedAt?: string;
  endedAt?: string;
  children?: TraceSpan[];
}

/**
 * Reads the server's own record of runs and events over its REST APIs. Deliberately not the v1 run
 * reads (`/v1/runs/{id}`, `/v1/events/{id}/runs`): they answer from a cache for 3 and 15 seconds,
 * so a result polled there is late and may be stale. The v2 trace and event-runs reads and the v1
 * event list are not cached.
 */
// The server caps a page at 51 events (`cqrs.MaxEvents`).
const eventPageSize = 50;
const allTime = '1970-01-01T00:00:00Z';
// How long `listEvents` waits for an event it was told exists; past it, the caller's next look finds it.
const includingWithinMs = 5_000;

export class ServerApi {
  /** The server's origin, as errors name it. */
  readonly baseUrl: string;
  readonly #authorization: string | undefined;

  constructor(options: { baseUrl: string; signingKey?: string }) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#authorization = options.signingKey ? `Bearer ${hashSigningKey(options.signingKey)}` : undefined;
  }

  /**
   * Events of exactly this name, oldest first. With `including` (the id of an event that woke a
   * wait), read again until that event is listed, for up to `includingWithinMs`: the server streams
   * an event to the waits it matches before its event list shows it, and a look that missed the
   * event that woke it would wait a whole slice for it (measured: 2-3 s of a recovery at 800 steps).
   */
  async listEvents(name: string, { including }: { including?: string } = {}): Promise<StoredEvent[]> {
    const deadline = Date.now() + includingWithinMs;
    for (;;) {
      const events = (await this.#pages({ name }, Infinity)).sort((a, b) => (a.internal_id < b.internal_id ? -1 : a.internal_id > b.internal_id ? 1 : 0));
      if (including === undefined || Date.now() > deadline || events.some((event) => event.internal_id === including || event.id === including)) return events;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The most recent events of every name, newest first, up to `limit`. */
  listRecentEvents(limit: number): Promise<StoredEvent[]> {
    return this.#pages({}, limit);
  }

  /**
   * Pages through `GET /v1/events`, newest first. Read from the server's source
   * (pkg/cqrs/events.go, manager/cqrs.go): a page holds at most `MaxEvents = 51`, the cursor is
   * exclusive on `internal_id`, and without `received_after` only the last hour is searched
   * ("Default to one hour ago"), which would lose runs and buffered signals older than that.
   */
  async #pages(filter: { name?: string }, limit: number): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    let cursor: string | undefined;
    while (events.length < limit) {
      const query = new URLSearchParams({ ...filter, limit: String(eventPageSize), received_after: allTime, ...(cursor ? { cursor } : {}) });
      const data = (await this.#get<{ data: StoredEvent[] | null }>(`/v1/events?${query}`)).data ?? [];
      events.push(...data);
      if (data.length < eventPageSize) break;
      cursor = data[data.length - 1]!.internal_id;
    }
    return events.slice(0, limit);
  }

  /** Inngest run ids started by one event. */
  async eventRuns(internalEventId: string): Promise<{ id: string; status: string }[]> {
    const page = await this.#get<{ data: { id: string; status: string }[] | null }>(`/api/v2/events/${internalEventId}/runs`);
    return page.data ?? [];
  }

  /** The run's trace with step outputs, or undefined while the server has none yet. */
  async trace(inngestRunId: string): Promise<TraceSpan | undefined> {
    const response = await this.#fetch(`/api/v2/runs/${inngestRunId}/trace?includeOutput=true`).catch((error: unknown) => {
      // A run the server does not know (yet) is an answer, not a failure.
      if (error instanceof EngineRequestError && error.status === 404) return undefined;
      throw error;
    });
    if (!response) return undefined;
    const body = (await this.#json(response)) as { data?: { rootSpan?: TraceSpan } };
    return body.data?.rootSpan;
  }

  async #get<T>(path: string): Promise<T> {
    return (await this.#json(await this.#fetch(path))) as T;
  }

  #fetch(path: string): Promise<Response> {
    return engineFetch('Inngest', `${this.baseUrl}${path}`, { method: 'GET', headers: this.#authorization ? { authorization: this.#authorization } : {} });
  }

  async #json(response: Response): Promise<unknown> {
    return JSON.parse(await response.text());
  }
}

/**
 * The bearer token the server accepts for a signing key: its prefix, then the SHA-256 of the key's
 * bytes (the SDK sends the same; the key itself never leaves the process).
 */
export function hashSigningKey(signingKey: string): string {
  const prefix = /^signkey-[\w]+-/.exec(signingKey)?.[0] ?? '';
  const key = signingKey.slice(prefix.length);
  return `${prefix}${createHash('sha256').update(Buffer.from(key, 'hex')).digest('hex')}`;
}
