import { EngineRequestError, engineFetch } from '@ratchet/core';

// What the ingress answers a peek at the output of a workflow that has not ended ("Not ready").
const workflowNotReadyStatus = 470;

/**
 * The few HTTP calls the driver makes to a Restate server: its ingress (start a workflow, call a
 * handler, attach to an invocation) and its admin API (register a deployment, query the SQL introspection tables, resume an
 * invocation). Plain `fetch`; the typed `@restatedev/restate-sdk-clients` would add nothing here
 * because service names are computed at run time.
 */
export class RestateApi {
  readonly ingressUrl: string;
  readonly adminUrl: string;
  readonly #headers: Record<string, string>;

  constructor(options: { ingressUrl: string; adminUrl: string; headers?: Record<string, string> }) {
    this.ingressUrl = options.ingressUrl.replace(/\/+$/, '');
    this.adminUrl = options.adminUrl.replace(/\/+$/, '');
    this.#headers = options.headers ?? {};
  }

  /** Runs a query on the SQL introspection API (`sys_invocation`, `sys_journal`, `state`, ...). */
  async query<T>(sql: string): Promise<T[]> {
    const response = await this.#fetch(`${this.adminUrl}/query`, { method: 'POST', body: JSON.stringify({ query: sql }) });
    return ((await response.json()) as { rows: T[] }).rows;
  }

  /**
   * Calls `path` on the ingress with a JSON body; resolves with the parsed JSON answer. With
   * `timeoutMs`, gives up waiting after that long (the invocation, once accepted, still runs) and
   * rejects with a `DOMException` named `TimeoutError`.
   */
  async ingress<T>(path: string, body: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
    const response = await this.#fetch(`${this.ingressUrl}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      ...(options.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(options.timeoutMs) }),
    });
    const text = await response.text();
    return (text ? JSON.parse(text) : null) as T;
  }

  /**
   * Waits up to `timeoutMs` for an invocation's result. Resolves `{ done: false }` when it is not
   * done by then (a worker may not be up; the invocation stays queued); an invocation that failed
   * rejects with `EngineRequestError`, whose body carries the failure's code, message and metadata.
   */
  async attach<T>(invocationId: string, timeoutMs: number): Promise<{ done: true; value: T } | { done: false }> {
    try {
      const response = await this.#fetch(`${this.ingressUrl}/restate/invocation/${encodeURIComponent(invocationId)}/attach`, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      return { done: true, value: (text ? JSON.parse(text) : null) as T };
    } catch (error) {
      if (isTimeout(error)) return { done: false };
      throw error;
    }
  }

  /**
   * Whether a workflow's run handler is still running (the ingress answers 470 to a peek at its
   * output until it ends): one ingress call, with no worker needed and no SQL query. Undefined for
   * any other answer (ended, or unknown to the server), which the caller reads elsewhere.
   */
  async workflowRunning(service: string, key: string): Promise<true | undefined> {
    try {
      await this.#fetch(`${this.ingressUrl}/restate/workflow/${encodeURIComponent(service)}/${encodeURIComponent(key)}/output`, { method: 'GET' });
      return undefined;
    } catch (error) {
      if (error instanceof EngineRequestError && error.status === workflowNotReadyStatus) return true;
      if (error instanceof EngineRequestError && error.status !== undefined) return undefined;
      throw error;
    }
  }

  /**
   * Registers (or, with `force`, re-registers in place) the endpoint at `uri`. Forcing keeps the
   * deployment id, so in-flight invocations pinned to it continue on the code now served there.
   */
  async registerDeployment(uri: string): Promise<{ id: string; services: { name: string }[] }> {
    const response = await this.#fetch(`${this.adminUrl}/deployments`, { method: 'POST', body: JSON.stringify({ uri, force: true }) });
    return (await response.json()) as { id: string; services: { name: string }[] };
  }

  /** Pauses an invocation; one in flight pauses when its current attempt ends. */
  async pauseInvocation(invocationId: string): Promise<void> {
    await this.#fetch(`${this.adminUrl}/invocations/${encodeURIComponent(invocationId)}/pause`, { method: 'PATCH' });
  }

  /** Resumes a paused invocation (or retries a backing-off one at once). */
  async resumeInvocation(invocationId: string): Promise<void> {
    await this.#fetch(`${this.adminUrl}/invocations/${encodeURIComponent(invocationId)}/resume`, { method: 'PATCH' });
  }

  #fetch(url: string, init: { method: string; body?: string; signal?: AbortSignal }): Promise<Response> {
    // Which of the two APIs, so the error names the address a user configured.
    const api = url.startsWith(this.adminUrl) ? 'Restate (admin API)' : 'Restate (ingress)';
    return engineFetch(api, url, {
      method: init.method,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...this.#headers },
      ...(init.body === undefined ? {} : { body: init.body }),
      ...(init.signal === undefined ? {} : { signal: init.signal }),
    });
  }
}

/** A SQL string literal for the introspection API. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The rejection of a call that gave up waiting (`AbortSignal.timeout`). */
export function isTimeout(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'TimeoutError';
}
