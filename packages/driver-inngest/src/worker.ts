import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inngest, Middleware } from 'inngest';
import { serve } from 'inngest/node';
import { EngineRequestError, ExecutionInterrupt, JournalPrefixHost, executeAgent, type AgentDeclaration, type DriverWorker, type EffectRunner } from '@ratchet/core';
import { InngestHost, maxInngestAttempts, type HostLimits, type InngestSteps } from './host.ts';
import { celString, eventNames, type StartEventData } from './protocol.ts';
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

/**
 * Hands each request the step outputs the server sent with it, so the host can check determinism
 * and count attempts and state before it calls a step tool. Inngest creates one instance per request.
 */
class MemoizedStepsMiddleware extends Middleware.BaseMiddleware {
  readonly id = 'ratchet-memoized-steps';
  override transformFunctionInput(arg: Middleware.TransformFunctionInputArgs): Middleware.TransformFunctionInputArgs {
    return { ...arg, ctx: { ...arg.ctx, ratchetMemoized: arg.steps } as typeof arg.ctx };
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
  #server: Server | undefined;

  constructor(executor: EffectRunner, options: InngestWorkerOptions) {
    this.#executor = executor;
    this.#options = options;
  }

  /** The URL the server calls, once started. */
  url: string | undefined;

  async start(): Promise<void> {
    if (this.#server) return;
    const functions = [...this.#executor.agents.values()].map((agent) => this.#function(agent));
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
        middleware: [MemoizedStepsMiddleware],
      },
      async (ctx) => {
        const data = ctx.event.data as unknown as StartEventData;
        const host = new InngestHost({
          app,
          runId: data.runId,
          agent: agent.name,
          seed: data.seed,
          attempt: ctx.attempt,
          memoized: (ctx as unknown as { ratchetMemoized?: Record<string, { type: string; data?: unknown }> }).ratchetMemoized ?? {},
          startEventBytes: Buffer.byteLength(JSON.stringify(ctx.event)),
          ...(data.seeded ? { seededSignals: data.seeded.signals } : {}),
          steps: ctx.step as unknown as InngestSteps,
          executor: this.#executor,
          api: this.#options.api,
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
          const outcome = await executeAgent(agent, data.input, agentHost, data.options);
          await host.settle();
          return outcome;
        } catch (error) {
          await host.settle();
          if (ExecutionInterrupt.isInstance(error) && error.reason === 'dead-letter') return host.park(error);
          if (ExecutionInterrupt.isInstance(error) && error.reason === 'migrate') return host.migrated(error);
          throw error;
        }
      },
    );
  }
}
