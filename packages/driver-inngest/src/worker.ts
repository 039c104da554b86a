import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inngest, Middleware } from 'inngest';
import { serve } from 'inngest/node';
import {
  ConfigError,
  EngineRequestError,
  ExecutionInterrupt,
  JournalPrefixHost,
  MigrationWatch,
  executeAgent,
  isUnreadablePayloadError,
  type AgentDeclaration,
  type DriverWorker,
  type EffectRunner,
} from '@ratchet/core';
import { InngestHost, maxInngestAttempts, type HostLimits, type InngestSteps } from './host.ts';
import {
  celString,
  eventNames,
  migrationNoticeFunctionId,
  migrationRequestSchema,
  parseEventData,
  startEventDataSchema,
  type MigrationRequest,
} from './protocol.ts';
import type { ServerApi } from './server-api.ts';

export interface InngestWorkerOptions {
  app: string;
  /** The Inngest client (cloud mode with a signing key, or dev mode). */
  client: Inngest.Any;
  api: ServerApi;
  serveHost: string;
  servePort: number;
  servePath: string;
  /** Lets several worker processes listen on one port (Linux): the kernel spreads the server's connections. */
  reusePort: boolean;
  /** The URL the Inngest server calls; defaults to `http://{serveHost}:{port}{servePath}`. */
  serveUrl?: string;
  limits: HostLimits;
  recheckMs: number;
  recheckMaxMs: number;
}

/** What the request middleware hands the function, beside Inngest's own context. */
interface RatchetRequest {
  /** The step outputs the server sent with the request, keyed by hashed step id. */
  memoized: Record<string, { type: string; data?: unknown }>;
  /** Called once the request's response is ready, whether the function ended or not. */
  onEnd?: () => void;
}

/**
 * Hands each request the step outputs the server sent with it, so the host can check determinism
 * and count attempts and state before it calls a step tool, and ends what the request watched when
 * its response is ready: a request that stops at a new wait never returns from the function.
 * Inngest creates one instance per request.
 */
class RequestMiddleware extends Middleware.BaseMiddleware {
  readonly id = 'ratchet-request';
  readonly #request: RatchetRequest = { memoized: {} };
  override transformFunctionInput(arg: Middleware.TransformFunctionInputArgs): Middleware.TransformFunctionInputArgs {
    this.#request.memoized = arg.steps;
    return { ...arg, ctx: { ...arg.ctx, ratchet: this.#request } as typeof arg.ctx };
  }
  override async wrapRequest({ next }: Middleware.WrapRequestArgs): Promise<Middleware.Response> {
    try {
      return await next();
    } finally {
      this.#request.onEnd?.();
    }
  }
}

/**
 * Hosts the executor's agents as Inngest functions behind the SDK's serve handler on `node:http`.
 * The handler verifies every request's signature (cloud mode) and refuses unsigned ones. On start the
 * worker syncs the app with the server (the server then calls this URL); on stop it closes the
 * server and drops open requests, which the Inngest server retries once a worker is back.
 */
export class InngestWorker implements DriverWorker {
  readonly #executor: EffectRunner;
  readonly #options: InngestWorkerOptions;
  readonly #abort = new AbortController();
  /** The migration requests of the runs this worker's requests are executing. */
  readonly #migrations = new MigrationWatch<MigrationRequest>();
  #server: Server | undefined;

  constructor(executor: EffectRunner, options: InngestWorkerOptions) {
    this.#executor = executor;
    this.#options = options;
  }

  /** The URL the server calls, once started. */
  url: string | undefined;

  async start(): Promise<void> {
    if (this.#server) return;
    const agents = [...this.#executor.agents.values()];
    // Inngest slugs function ids: an agent with the notice function's id would replace it.
    const taken = agents.find((agent) => slug(agent.name) === migrationNoticeFunctionId);
    if (taken) throw new ConfigError(`The inngest driver keeps the function id "${migrationNoticeFunctionId}" for itself: rename agent "${taken.name}"`);
    const functions = [...agents.map((agent) => this.#function(agent)), this.#migrationNotice()];
    const { serveHost, servePath, serveUrl } = this.#options;
    // The handler is built once the port is known; until then (a few ms) requests are refused.
    let handler: ((request: IncomingMessage, response: ServerResponse) => unknown) | undefined;
    const server = createServer((request, response) => {
      if (handler) return void handler(request, response);
      response.writeHead(503).end();
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.#options.servePort, host: serveHost, reusePort: this.#options.reusePort }, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const local = `http://${serveHost.includes(':') ? `[${serveHost}]` : serveHost}:${port}${servePath}`;
    const url = new URL(serveUrl ?? local);
    handler = serve({ client: this.#options.client, functions, servePath: url.pathname, serveOrigin: url.origin });
    this.url = url.href;
    await this.#sync(local);
  }

  /**
   * A PUT to the serve handler syncs the app (its functions and this URL) with the server. With
   * `reusePort` the kernel may hand that PUT to another worker on the port, one that is dying (a
   * reset) or still starting (a 503): retried a few times before giving up.
   */
  async #sync(local: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const synced = await fetch(local, { method: 'PUT' }).catch((error: unknown) => {
        if (!(error instanceof TypeError) || attempt >= 5) throw error; // fetch's network failures are TypeErrors
        return undefined;
      });
      if (synced?.ok) return;
      if (synced && (synced.status < 500 || attempt >= 5)) {
        // The serve handler answers with the server's refusal of the registration.
        const operation = `the sync of app "${this.#options.app}" (PUT ${local})`;
        throw new EngineRequestError({ engine: 'Inngest', address: this.#options.api.baseUrl, operation, status: synced.status, body: await synced.text() });
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#abort.abort();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  #function(agent: AgentDeclaration) {
    const { app, client } = this.#options;
    return client.createFunction(
      {
        id: agent.name,
        name: agent.name,
        triggers: [{ event: eventNames.startTrigger(app), if: `event.data.agent == ${celString(agent.name)}` }],
        // Ratchet counts attempts per step itself (its retry policy); this is only Inngest's ceiling.
        retries: (maxInngestAttempts - 1) as 20,
        middleware: [RequestMiddleware],
      },
      async (ctx) => {
        const data = parseEventData(startEventDataSchema, ctx.event.data, `the start event ${ctx.event.name}`);
        const request = (ctx as unknown as { ratchet: RatchetRequest }).ratchet;
        // Asked in the background at the first step: a request made before this one began is found.
        const watched = this.#migrations.watch(data.runId, { asked: false });
        request.onEnd = () => this.#migrations.release(data.runId, watched);
        const host = new InngestHost({
          app,
          runId: data.runId,
          inngestRunId: ctx.runId,
          // The client sets `ts`; the server sets it on an event sent without one.
          startEventTs: ctx.event.ts ?? 0,
          journalVersion: data.journalVersion ?? 1,
          agent: agent.name,
          seed: data.seed,
          attempt: ctx.attempt,
          memoized: request.memoized,
          startEventBytes: Buffer.byteLength(JSON.stringify(ctx.event)),
          ...(data.seeded ? { seededSignals: data.seeded.signals } : {}),
          ...(data.continues ? { consumedSignals: data.continues.consumedSignals } : {}),
          steps: ctx.step as unknown as InngestSteps,
          executor: this.#executor,
          api: this.#options.api,
          migrations: this.#migrations,
          watched,
          signal: this.#abort.signal,
          limits: this.#options.limits,
          recheckMs: this.#options.recheckMs,
          recheckMaxMs: this.#options.recheckMaxMs,
        });
        // A seeded run answers its first steps from the journal it continues; its own start after them.
        const seeded = data.seeded;
        const agentHost = seeded ? new JournalPrefixHost(seeded.entries, host, seeded.openWait ? { openWait: seeded.openWait } : {}) : host;
        try {
          await host.awaitOpenParks();
          const outcome = await executeAgent(agent, data.input, agentHost, data.options, this.#executor.payloads);
          await host.settle();
          return outcome;
        } catch (error) {
          await host.settle();
          // Thrown on for the server to retry; the SDK does not print it, and its operator must see it.
          if (isUnreadablePayloadError(error)) console.error('[ratchet inngest worker]', error.message);
          if (ExecutionInterrupt.isInstance(error) && error.reason === 'dead-letter') return host.park(error);
          if (ExecutionInterrupt.isInstance(error) && error.reason === 'migrate') return host.migrated(error);
          if (ExecutionInterrupt.isInstance(error) && error.reason === 'abandon' && host.continuing) return host.continueRun(data, error);
          throw error;
        }
      },
    );
  }

  /**
   * The function a migration request event starts: it notes the request for the hosts running that
   * run in this process, which stop at their next step. Not retried: with no worker up, hosts read
   * the request when their requests begin, and the client does not wait for a worker.
   */
  #migrationNotice() {
    const { app, client } = this.#options;
    return client.createFunction(
      { id: migrationNoticeFunctionId, name: 'Ratchet migration notice', triggers: [{ event: eventNames.migrateTrigger(app) }], retries: 0 },
      async ({ event }) => {
        const request = parseEventData(migrationRequestSchema, event.data, `the migration request event ${event.name}`);
        this.#migrations.note(request.runId, request);
        return null;
      },
    );
  }
}

/** An id as Inngest slugs it (the SDK's `slugify`). */
function slug(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').split('-').filter(Boolean).join('-');
}
