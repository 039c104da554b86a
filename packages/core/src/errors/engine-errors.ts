import { RatchetError, registerErrorKind, type SerializedError } from './ratchet-error.ts';

/**
 * A driver's request to its engine's server failed: nothing answered at the address (the server is
 * down, or the address is wrong), or the server answered with an HTTP error. The message names the
 * engine, the method and the address, so "fetch failed" never reaches a user bare. Retryable: a
 * server that is restarting answers again.
 *
 * @example
 * // Restate (admin API) at http://127.0.0.1:9070 did not answer POST /query (ECONNREFUSED): is the server running there?
 */
export class EngineRequestError extends RatchetError {
  readonly engine: string;
  /** Where the driver looked for the server: an origin (`http://127.0.0.1:9070`) or `host:port`. */
  readonly address: string;
  /** The HTTP status the server answered with; absent when nothing answered. */
  readonly status: number | undefined;
  /** The server's answer, for an HTTP error. */
  readonly body: string | undefined;

  constructor(details: { engine: string; address: string; operation: string; status?: number; body?: string; reason?: string; cause?: unknown }) {
    const { engine, address, operation, status, body, reason } = details;
    super(
      'engine-request',
      status === undefined
        ? `${engine} at ${address} did not answer ${operation}${reason ? ` (${reason})` : ''}: is the server running there?`
        : `${engine} at ${address} answered ${status} to ${operation}${body ? `: ${body.slice(0, 500)}` : ''}`,
      { retryable: true, cause: details.cause, data: { engine, address, operation, ...(status === undefined ? {} : { status }), ...(reason ? { reason } : {}) } },
    );
    this.name = 'EngineRequestError';
    this.engine = engine;
    this.address = address;
    this.status = status;
    this.body = body;
  }
}

/**
 * `fetch` for a driver's HTTP calls to its engine: a request nothing answered, or an answer that is
 * not ok, becomes an `EngineRequestError` naming the engine and the address. A caller's abort
 * (`signal`) is rethrown as it is.
 */
export async function engineFetch(
  engine: string,
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal },
): Promise<Response> {
  const { origin, pathname } = new URL(url);
  const where = { engine, address: origin, operation: `${init.method} ${pathname}` };
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (init.signal?.aborted) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new EngineRequestError({ ...where, reason: cause?.code ?? cause?.message ?? (error as Error).message, cause: error });
  }
  if (!response.ok) throw new EngineRequestError({ ...where, status: response.status, body: await response.text() });
  return response;
}

/** How many lines of an engine server's log an `EngineStartError` carries: enough to hold why it failed. */
const logTailLines = 30;

/** Why a server did not come up: it exited during startup, or it was still starting at the deadline. */
export type EngineStartFailure =
  | { exit: { code: number | null; signal: string | null } }
  | {
      timeoutMs: number;
      /** What the last readiness check saw. */
      reason?: string;
    };

/**
 * An engine's server, started for tests or development by a driver's server helper
 * (`startRestateServer`, `startTemporalServer`, `startInngestServer`), did not come up: it exited
 * during startup, or did not answer at its address in time. The message names the engine and the
 * address, and ends with the tail of the server's log, which says why (a port already in use, a bad
 * configuration value). A binary that is not installed is a `ConfigError` instead.
 *
 * @example
 * // Temporal dev server at 127.0.0.1:7233 exited during startup (code 1); its log ends:
 * // Error: can't set frontend port 7233: listen tcp 127.0.0.1:7233: bind: address already in use
 */
export class EngineStartError extends RatchetError {
  readonly engine: string;
  /** Where the server was to answer: an origin (`http://127.0.0.1:9070`) or `host:port`. */
  readonly address: string;
  /** The last lines of the server's log. */
  readonly logTail: string;

  /** `log` is the server's output so far; its last lines are kept. */
  constructor(details: { engine: string; address: string; log: string } & EngineStartFailure) {
    const { engine, address } = details;
    const logTail = details.log.trimEnd().split('\n').slice(-logTailLines).join('\n');
    const how =
      'exit' in details
        ? `exited during startup (${details.exit.code === null ? `signal ${details.exit.signal}` : `code ${details.exit.code}`})`
        : `did not become ready within ${details.timeoutMs / 1000} s${details.reason ? ` (${details.reason})` : ''}`;
    super('engine-start', `${engine} at ${address} ${how}; ${logTail ? `its log ends:\n${logTail}` : 'its log is empty'}`, {
      data: {
        engine,
        address,
        ...('exit' in details ? { exitCode: details.exit.code, signal: details.exit.signal } : { timeoutMs: details.timeoutMs }),
        logTail,
      },
    });
    this.name = 'EngineStartError';
    this.engine = engine;
    this.address = address;
    this.logTail = logTail;
  }
}

/** How an engine ended or parked a run by itself. */
export type EngineFailureHow = 'terminated' | 'cancelled' | 'timed-out' | 'failed' | 'paused';

/**
 * The engine ended or parked a run by itself, outside Ratchet's steps: terminated, cancelled or
 * timed out from its own UI or API, or failed or paused after its own retries of something Ratchet
 * did not run. `how` says which; the message carries the engine's words. A paused or failed run is
 * retryable (redrive it once the cause is fixed); a terminated or cancelled one is not.
 */
export class EngineFailureError extends RatchetError {
  readonly engine: string;
  readonly how: EngineFailureHow;

  constructor(details: { engine: string; how: EngineFailureHow; message: string }) {
    const { engine, how, message } = details;
    super('engine-failure', message, { retryable: how === 'failed' || how === 'paused', data: { engine, how } });
    this.name = 'EngineFailureError';
    this.engine = engine;
    this.how = how;
  }
}

/**
 * What a driver read from its engine is not what Ratchet writes there: an event or a stored value
 * under Ratchet's names with another shape (written by something else, or corrupted). Not
 * retryable: reading it again gives the same. The message names the engine, what was read and why
 * it was refused.
 *
 * @example
 * // Inngest holds the start event of run "order-1" in a shape Ratchet does not write: seed: expected string, received undefined
 */
export class EngineDataError extends RatchetError {
  readonly engine: string;

  constructor(details: { engine: string; what: string; problem: string }) {
    const { engine, what, problem } = details;
    super('engine-data', `${engine} holds ${what} in a shape Ratchet does not write: ${problem}`, { data: { engine, what } });
    this.name = 'EngineDataError';
    this.engine = engine;
  }
}

const d = (s: SerializedError) => s.data ?? {};
registerErrorKind('engine-failure', (s) => new EngineFailureError({ engine: String(d(s).engine ?? ''), how: d(s).how as EngineFailureHow, message: s.message }));
registerErrorKind('engine-start', (s) =>
  Object.assign(new EngineStartError({ engine: String(d(s).engine ?? ''), address: String(d(s).address ?? ''), log: String(d(s).logTail ?? ''), timeoutMs: Number(d(s).timeoutMs ?? 0) }), {
    message: s.message,
    data: d(s),
  }),
);
registerErrorKind('engine-data', (s) => Object.assign(new EngineDataError({ engine: String(d(s).engine ?? ''), what: String(d(s).what ?? ''), problem: '' }), { message: s.message }));
registerErrorKind('engine-request', (s) =>
  Object.assign(
    new EngineRequestError({ engine: String(d(s).engine ?? ''), address: String(d(s).address ?? ''), operation: String(d(s).operation ?? ''), ...(typeof d(s).status === 'number' ? { status: d(s).status as number } : {}) }),
    { name: s.name, message: s.message, data: d(s) },
  ),
);
