import type { StoredBytes } from '../../harness/bench-side.ts';
import { waitUntil } from '../../harness/wait-until.ts';

/**
 * The bench's reads of a Restate server, for either side (a Ratchet run is a workflow keyed by its
 * run id, plus the objects Ratchet keys by it): the admin SQL introspection API and one admin call.
 */
export class RestateAdmin {
  readonly #adminUrl: string;

  constructor(adminUrl: string) {
    this.#adminUrl = adminUrl;
  }

  /** Registers (or re-registers, `force`) a service endpoint. */
  async register(uri: string): Promise<void> {
    await this.#fetch('/deployments', { method: 'POST', body: JSON.stringify({ uri, force: true }) });
  }

  /** The run's workflow invocation (handler `run`) has ended. */
  awaitCompleted(runId: string): Promise<void> {
    return waitUntil(async () => (await this.#status(runId, 'run')).includes('completed'), `restate run ${runId} completed`, 300_000, 20);
  }

  /** The run's workflow invocation is suspended: it waits for its promise, nothing in flight. */
  awaitWaiting(runId: string): Promise<void> {
    return waitUntil(async () => (await this.#status(runId, 'run')).includes('suspended'), `restate run ${runId} suspended`, 300_000, 20);
  }

  /**
   * After a signal with no worker up: an invocation keyed by the run (the run itself, or for Ratchet
   * the queue that delivers its signal) has failed to reach a worker and is backing off.
   */
  awaitBackingOff(runId: string): Promise<void> {
    return waitUntil(async () => (await this.#status(runId)).includes('backing-off'), `an invocation of ${runId} backing off`, 60_000, 20);
  }

  /**
   * Asks Restate to retry the run's backing-off invocations now instead of at their next backoff.
   * One that its own retry already took may have moved on: 409, nothing left to resume.
   */
  async resume(runId: string): Promise<void> {
    const rows = await this.#query<{ id: string }>(`SELECT id FROM sys_invocation WHERE target_service_key = ${sqlString(runId)} AND status = 'backing-off'`);
    await Promise.all(rows.map((row) => this.#fetch(`/invocations/${encodeURIComponent(row.id)}/resume`, { method: 'PATCH' }, [409])));
  }

  /**
   * What Restate keeps for everything keyed by the run: journal entries (`raw_length`), state
   * (keys and values) and durable promises. Restate stores them in RocksDB; these are the record bytes.
   */
  async storedBytes(run: () => Promise<string>): Promise<StoredBytes> {
    const runId = sqlString(await run());
    const [journal] = await this.#query<{ bytes: number | null }>(
      `SELECT sum(raw_length) AS bytes FROM sys_journal WHERE id IN (SELECT id FROM sys_invocation WHERE target_service_key = ${runId})`,
    );
    const [state] = await this.#query<{ bytes: number | null }>(`SELECT sum(key_length + value_length) AS bytes FROM state WHERE service_key = ${runId}`);
    const [promises] = await this.#query<{ bytes: number | null }>(
      `SELECT sum(octet_length(key) + coalesce(octet_length(completion_success_value_utf8), 0)) AS bytes FROM sys_promise WHERE service_key = ${runId}`,
    );
    return { payload: Number(journal?.bytes ?? 0) + Number(state?.bytes ?? 0) + Number(promises?.bytes ?? 0) };
  }

  async #status(runId: string, handler?: string): Promise<string[]> {
    const rows = await this.#query<{ status: string }>(
      `SELECT status FROM sys_invocation WHERE target_service_key = ${sqlString(runId)}${handler ? ` AND target_handler_name = ${sqlString(handler)}` : ''}`,
    );
    return rows.map((row) => row.status);
  }

  async #query<T>(sql: string): Promise<T[]> {
    const response = await this.#fetch('/query', { method: 'POST', body: JSON.stringify({ query: sql }) });
    return ((await response.json()) as { rows: T[] }).rows;
  }

  async #fetch(path: string, init: { method: string; body?: string }, tolerated: readonly number[] = []): Promise<Response> {
    const response = await fetch(`${this.#adminUrl}${path}`, { ...init, headers: { 'content-type': 'application/json', accept: 'application/json' } });
    if (!response.ok && !tolerated.includes(response.status)) throw new Error(`Restate admin answered ${response.status} to ${init.method} ${path}: ${(await response.text()).slice(0, 300)}`);
    return response;
  }
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
