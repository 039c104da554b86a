import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppliedEffect, EffectAttempt, EffectReceipt } from './effects.ts';

/**
 * A local HTTP service standing for the outside world (tickets, emails, payments). It applies
 * effects once per `Idempotency-Key` and records every attempt, so tests count "sent once"
 * instead of assuming it.
 *
 * HTTP:
 * - `POST /effects` with JSON `{ type, payload }` and an `Idempotency-Key` header. A new key is
 *   applied and answered 201 `{ id, type, duplicate: false }`; a known key is answered 200 with the
 *   original `{ id, type, duplicate: true }` and not applied again. No key, bad JSON or no `type`: 400.
 * - `GET /effects` answers `{ effects }`, the applied effects in order.
 */
export interface WorldService {
  /** Base URL, e.g. `http://127.0.0.1:43817`; POST to `${url}/effects`. */
  readonly url: string;
  /** Applied effects, in order. The same array for the service's lifetime; `reset()` empties it. */
  readonly effects: readonly AppliedEffect[];
  /** Every `POST /effects` received, duplicates, injected failures and rejects included. */
  readonly attempts: readonly EffectAttempt[];
  /** Applied effects of one type, in order. */
  effectsOfType(type: string): AppliedEffect[];
  /** How many POSTs were answered from the idempotency record instead of being applied. */
  duplicates(): number;
  /**
   * Calls `listener` synchronously after an effect is applied and before its HTTP answer is
   * written, so a test can SIGKILL the worker in the "applied but not journaled" window. A listener
   * that returns a promise holds the answer until it settles: the step stays in flight while the
   * test does something (asks the run to migrate, say). A listener that throws or rejects fails the
   * test run (the error is rethrown asynchronously); the answer is still written. Returns an
   * unsubscribe function.
   *
   * @example
   * await killWhen((l) => world.on('effect', l), (e) => e.type === 'email.sent', worker);
   */
  on(event: 'effect', listener: (effect: AppliedEffect) => void | Promise<unknown>): () => void;
  /**
   * The next `count` well-formed POSTs fail with `status` (default 500) without being applied or
   * consulting the idempotency record, as if the world were down. For retry tests.
   */
  failNext(count: number, status?: number): void;
  /** Forgets effects, attempts, idempotency keys and pending injected failures; keeps listeners. */
  reset(): void;
  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void>;
}

/** Starts a world service on `host` (default `127.0.0.1`) and `port` (default 0: any free port). */
export async function startWorldService(options: { port?: number; host?: string } = {}): Promise<WorldService> {
  const host = options.host ?? '127.0.0.1';
  const effects: AppliedEffect[] = [];
  const attempts: EffectAttempt[] = [];
  const receiptsByKey = new Map<string, EffectReceipt>();
  const listeners = new Set<(effect: AppliedEffect) => void | Promise<unknown>>();
  let nextId = 1;
  let injectedFailures: { remaining: number; status: number } = { remaining: 0, status: 500 };

  function handlePost(key: string | null, body: string, response: ServerResponse): void {
    const at = Date.now();
    const parsed = parseEffectBody(body);
    const type = parsed.ok ? parsed.type : null;
    const reject = (status: number, error: string): void => {
      attempts.push({ idempotencyKey: key, type, duplicate: false, status, at });
      sendJson(response, status, { error });
    };
    if (key === null) return reject(400, 'Missing Idempotency-Key header: every effect needs one, e.g. "{runId}:{stepId}".');
    if (!parsed.ok) return reject(400, parsed.error);
    if (injectedFailures.remaining > 0) {
      injectedFailures.remaining -= 1;
      return reject(injectedFailures.status, 'Injected failure (failNext): the effect was not applied.');
    }

    const known = receiptsByKey.get(key);
    if (known) {
      attempts.push({ idempotencyKey: key, type, duplicate: true, status: 200, at });
      sendJson(response, 200, { ...known, duplicate: true });
      return;
    }

    const effect: AppliedEffect = { id: `eff_${nextId++}`, type: parsed.type, payload: parsed.payload, idempotencyKey: key, at };
    effects.push(effect);
    receiptsByKey.set(key, { id: effect.id, type: effect.type, duplicate: false });
    attempts.push({ idempotencyKey: key, type, duplicate: false, status: 201, at });
    const answer = () => sendJson(response, 201, { id: effect.id, type: effect.type, duplicate: false });
    const holds = notify(effect);
    if (holds.length === 0) answer();
    else void Promise.allSettled(holds).then(answer);
  }

  /** Calls every listener; returns the promises of those that hold the answer. */
  function notify(effect: AppliedEffect): Promise<unknown>[] {
    const holds: Promise<unknown>[] = [];
    // Rethrown outside the request so the test run sees it and the answer still goes out.
    const rethrow = (error: unknown) => queueMicrotask(() => {
      throw error;
    });
    for (const listener of [...listeners]) {
      try {
        const held = listener(effect);
        if (held instanceof Promise) holds.push(held.catch(rethrow));
      } catch (error) {
        rethrow(error);
      }
    }
    return holds;
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://world').pathname;
    if (path !== '/effects') return sendJson(response, 404, { error: `No route ${request.method} ${path}; use /effects.` });
    if (request.method === 'GET') return sendJson(response, 200, { effects });
    if (request.method !== 'POST') return sendJson(response, 405, { error: `Method ${request.method} not allowed on /effects; use GET or POST.` });

    const key = request.headers['idempotency-key'];
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handlePost(typeof key === 'string' && key !== '' ? key : null, Buffer.concat(chunks).toString('utf8'), response));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    effects,
    attempts,
    effectsOfType: (type) => effects.filter((effect) => effect.type === type),
    duplicates: () => attempts.filter((attempt) => attempt.duplicate).length,
    on(_event, listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    failNext(count, status = 500) {
      injectedFailures = { remaining: count, status };
    },
    reset() {
      effects.length = 0;
      attempts.length = 0;
      receiptsByKey.clear();
      injectedFailures = { remaining: 0, status: 500 };
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets (fetch pools them) would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

type ParsedEffectBody = { ok: true; type: string; payload: unknown } | { ok: false; error: string };

function parseEffectBody(body: string): ParsedEffectBody {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, error: 'Body must be JSON: { "type": string, "payload": any }.' };
  }
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string' || (value as { type: string }).type === '') {
    return { ok: false, error: 'Body needs a non-empty string "type": { "type": string, "payload": any }.' };
  }
  const { type, payload } = value as { type: string; payload?: unknown };
  return { ok: true, type, payload: payload ?? null };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
