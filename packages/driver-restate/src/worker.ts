import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as restate from '@restatedev/restate-sdk';
import { MigrationWatch, type DriverWorker, type DriverWorkerOptions, type EffectRunner } from '@ratchet/core';
import type { ResolvedRestateOptions } from './options.ts';
import { LedgerClient, ledgerObject } from './ledger.ts';
import { serviceNames } from './protocol.ts';
import { signalQueueObject } from './signals.ts';
import type { RestateApi } from './server-api.ts';
import { agentWorkflow } from './workflow.ts';

/**
 * Serves the executor's agents (one workflow each), the run ledger and the signal queue as a Restate service
 * endpoint over HTTP/2, then registers it with the admin API. Restate pushes invocations to the
 * endpoint; there is no polling.
 *
 * Every worker of a deployment listens on the same host and port with SO_REUSEPORT, and all
 * register the same URL (with `force`, so the code now served there takes effect for new and
 * in-flight invocations alike). Restate pins an invocation to a deployment, that is to a URL, so a
 * run started on a worker that died resumes on whichever worker answers there next. In production
 * put a load balancer in front and set `endpointUrl` to its address.
 *
 * Restate decides how many invocations it sends (`worker.invoker.concurrent-invocations-limit` on
 * the server), so `createWorker` refuses `DriverWorkerOptions.concurrency` with a `CapabilityError`.
 */
export class RestateWorker implements DriverWorker {
  readonly #api: RestateApi;
  readonly #options: ResolvedRestateOptions;
  readonly #server: http2.Http2Server;
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  #started: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;

  constructor(api: RestateApi, executor: EffectRunner, options: ResolvedRestateOptions, _workerOptions: DriverWorkerOptions) {
    this.#api = api;
    this.#options = options;
    const names = serviceNames(options.servicePrefix);
    const ledger = new LedgerClient(api, names.ledger);
    const migrations = new MigrationWatch();
    const services = [
      ledgerObject(names.ledger),
      signalQueueObject(names, api),
      ...[...executor.agents.values()].map((agent) =>
        agentWorkflow(names.agent(agent.name), agent, { executor, ledger, migrations, api, signalQueue: names.signals, options, onError: reportError }),
      ),
    ];
    // With identityKeys the SDK answers a request without the server's signature 401, before any handler.
    this.#server = http2.createServer(
      restate.createEndpointHandler({ services, logger: errorsOnly, ...(options.identityKeys ? { identityKeys: options.identityKeys } : {}) }),
    );
    this.#server.on('session', (session) => {
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
    });
  }

  /** Resolves once the endpoint listens and, unless `register: false`, Restate knows it. */
  start(): Promise<void> {
    return (this.#started ??= this.#start());
  }

  /** Stops serving; Restate retries the invocations that were in flight on another worker. */
  stop(): Promise<void> {
    return (this.#stopped ??= new Promise<void>((resolve) => {
      for (const session of this.#sessions) session.destroy();
      this.#server.close(() => resolve());
    }));
  }

  async #start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: this.#options.endpointHost, port: this.#options.endpointPort, reusePort: true }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    if (!this.#options.register) return;
    const { port } = this.#server.address() as AddressInfo;
    await this.#api.registerDeployment(this.#options.endpointUrl ?? `http://${this.#options.endpointHost}:${port}`);
  }
}

const reportError = (error: unknown) => console.error('[ratchet restate worker]', error);

/**
 * The SDK logs every retryable failure with a stack trace at WARN; Ratchet journals what matters,
 * so only errors reach the console. (`RestateLogLevel` is declared by the SDK's typings but is
 * undefined at run time in its ESM build, so the level is compared as the string it is.)
 */
const errorsOnly: restate.LoggerTransport = (params, message, ...rest) => {
  if (params.level === ('error' as restate.RestateLogLevel)) console.error('[ratchet restate worker]', message, ...rest);
};
