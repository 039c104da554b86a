import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerFromReply, defaultAnswer, type Answer } from './answer.ts';
import { anthropicWire } from './anthropic-wire.ts';
import { openaiWire } from './openai-wire.ts';
import { ScriptQueue } from './script-queue.ts';
import type { ModelApi, RecordedRequest, ScriptedResponse } from './scripted-response.ts';
import type { FaultContext, WireFormat } from './wire-format.ts';

export interface ModelServerOptions {
  /** Default 0: a free port chosen by the OS. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
}

export type ModelServerEvent = 'request' | 'response';

/**
 * A local HTTP server that speaks the OpenAI Chat Completions and Anthropic Messages wire formats,
 * so the official SDK clients run against it unmodified through `baseURL`. Each test scripts its
 * answers and faults; anything unscripted gets a deterministic default answer.
 *
 * @example
 * const server = await startModelServer();
 * server.script({ fault: 'rate-limit', retryAfterSeconds: 2 }, { text: 'Paris' });
 * const client = new OpenAI({ apiKey: 'test-key', baseURL: server.openaiBaseURL, maxRetries: 0 });
 * // first call: RateLimitError with retry-after: 2; second call: "Paris"
 * await server.close();
 */
export interface ModelServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Pass as `baseURL` to `new OpenAI(...)`. */
  readonly openaiBaseURL: string;
  /** Pass as `baseURL` to `new Anthropic(...)`. */
  readonly anthropicBaseURL: string;
  /**
   * Appends answers to the FIFO queue. A request takes the first entry it matches (entries with a
   * `match` are skipped by requests they do not match); `times` serves an entry repeatedly.
   */
  script(...responses: ScriptedResponse[]): void;
  /** Every valid model request in arrival order (a live array, emptied in place by `reset`). */
  readonly requests: readonly RecordedRequest[];
  countFor(filter?: { model?: string; api?: ModelApi }): number;
  /**
   * `request` fires when a request has been recorded, before it is answered; `response` fires once
   * its answer has been fully written (never for a stall). Returns a function that unsubscribes.
   */
  on(event: ModelServerEvent, listener: (request: RecordedRequest) => void): () => void;
  /** Empties the queue and the records, and restarts request numbering at 1. */
  reset(): void;
  /** Drops held and delayed requests, then stops listening. */
  close(): Promise<void>;
}

const wires: readonly WireFormat[] = [openaiWire, anthropicWire];

export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  const queue = new ScriptQueue();
  const requests: RecordedRequest[] = [];
  const listeners: Record<ModelServerEvent, Set<(request: RecordedRequest) => void>> = {
    request: new Set(),
    response: new Set(),
  };
  /** Cancels for requests that are delayed or stalled, so `close` never waits on them. */
  const inFlight = new Set<() => void>();
  let count = 0;

  const emit = (event: ModelServerEvent, request: RecordedRequest) => {
    for (const listener of listeners[event]) listener(request);
  };

  /** Resolves true after `ms`, or false as soon as the client goes away or the server closes. */
  const wait = (ms: number, res: ServerResponse) =>
    new Promise<boolean>((resolve) => {
      const settle = (completed: boolean) => {
        clearTimeout(timer);
        res.off('close', onClose);
        inFlight.delete(onClose);
        resolve(completed);
      };
      const onClose = () => settle(false);
      const timer = setTimeout(() => settle(true), ms);
      res.on('close', onClose);
      inFlight.add(onClose);
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    const wire = wires.find((candidate) => candidate.path === path);
    if (!wire || req.method !== 'POST') {
      writeJson(res, 404, {}, { error: { type: 'not_found_error', message: `No route for ${req.method} ${path}` } });
      return;
    }
    const body = parseBody(await readBody(req));
    if (body === undefined) return answerInvalid(res, wire, 'The request body is not a valid JSON object.');
    const facts = wire.readRequest(body);
    if ('invalid' in facts) return answerInvalid(res, wire, facts.invalid);

    const apiKey = readApiKey(req);
    const idempotencyKey = req.headers['idempotency-key'];
    const record: RecordedRequest = {
      n: ++count,
      api: wire.api,
      model: facts.model,
      stream: facts.stream,
      body,
      hasApiKey: apiKey !== undefined,
      headers: safeHeaders(req),
      ...(typeof idempotencyKey === 'string' ? { idempotencyKey } : {}),
      at: Date.now(),
    };
    requests.push(record);
    emit('request', record);

    const scripted = queue.take({ api: wire.api, model: facts.model });
    if (scripted?.delayMs !== undefined && !(await wait(scripted.delayMs, res))) return;
    if (scripted && 'fault' in scripted && scripted.fault === 'stall') {
      // Never answer; after `ms` drop the connection, as a dead upstream would.
      if (scripted.ms !== undefined && (await wait(scripted.ms, res))) res.destroy();
      return;
    }

    if (scripted && 'raw' in scripted) {
      record.status = scripted.status ?? 200;
      res.writeHead(record.status, { 'content-type': scripted.contentType ?? 'application/json' });
      if (scripted.hangUp) {
        // Flushed before the socket goes, so the client has read part of an answer when it ends.
        res.write(scripted.raw, () => res.destroy());
        return;
      }
      res.once('finish', () => emit('response', record));
      res.end(scripted.raw);
      return;
    }

    res.once('finish', () => emit('response', record));
    const context: FaultContext = { n: record.n, request: facts, maskedKey: maskKey(apiKey) };
    let answer: Answer;
    if (!scripted) {
      answer = defaultAnswer(facts);
    } else if ('fault' in scripted) {
      const outcome = wire.renderFault(scripted, context);
      if (outcome.kind === 'error') {
        record.status = outcome.status;
        writeJson(res, outcome.status, { [wire.requestIdHeader]: `req_${record.n}`, ...outcome.headers }, outcome.body);
        return;
      }
      answer = outcome.answer;
    } else {
      answer = answerFromReply(scripted, facts);
    }

    record.status = 200;
    if (facts.stream) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        [wire.requestIdHeader]: `req_${record.n}`,
      });
      for (const frame of wire.renderEvents(answer, context)) res.write(frame);
      res.end();
    } else {
      writeJson(res, 200, { [wire.requestIdHeader]: `req_${record.n}` }, wire.renderJson(answer, context));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the server itself: answer 500 so the test fails visibly instead of hanging.
      if (!res.headersSent) writeJson(res, 500, {}, { error: { message: String(error) } });
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    requests,
    script: (...responses) => queue.push(responses),
    countFor: (filter = {}) =>
      requests.filter(
        (request) =>
          (filter.model === undefined || request.model === filter.model) &&
          (filter.api === undefined || request.api === filter.api),
      ).length,
    on(event, listener) {
      listeners[event].add(listener);
      return () => listeners[event].delete(listener);
    },
    reset() {
      queue.clear();
      requests.length = 0;
      count = 0;
    },
    async close() {
      for (const cancel of [...inFlight]) cancel();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Answers a request that is not valid enough to record with the API's own 400. */
function answerInvalid(res: ServerResponse, wire: WireFormat, message: string): void {
  const context: FaultContext = {
    n: 0,
    request: { model: '', lastUserText: '', inputChars: 0, stream: false, includeUsage: false },
    maskedKey: '',
  };
  const outcome = wire.renderFault({ fault: 'bad-request', message }, context);
  if (outcome.kind === 'error') writeJson(res, outcome.status, outcome.headers, outcome.body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The key from whichever header the client used; read to mask it, never stored. */
function readApiKey(req: IncomingMessage): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const key = bearer ?? req.headers['x-api-key'] ?? req.headers['api-key'];
  return typeof key === 'string' && key.trim() !== '' ? key.trim() : undefined;
}

const credentialHeaders = new Set(['authorization', 'x-api-key', 'api-key', 'proxy-authorization', 'cookie']);

function safeHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !credentialHeaders.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** As OpenAI echoes a rejected key: a few characters at each end, the rest starred. */
function maskKey(key: string | undefined): string {
  if (key === undefined) return '(none)';
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}

function writeJson(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
