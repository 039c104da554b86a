import { fileURLToPath } from 'node:url';
import { createClient, type RatchetClient } from '@ratchet/core';
import { createDriverFromConfig } from '@ratchet/core/config';
import {
  killWhen,
  spawnWorker,
  startModelServer,
  startWorldService,
  stopAll,
  type AppliedEffect,
  type ModelServer,
  type RecordedRequest,
  type WorkerProcess,
  type WorldService,
} from '@ratchet/testing';
import type { DriverUnderTest, EngineEnvironment } from './driver-under-test.ts';
import { recordJournals } from './journal-book.ts';

const workerEntry = fileURLToPath(new URL('../fixtures/worker.ts', import.meta.url));

/**
 * Everything one scenario file needs on one driver: the engine, the model server, the world
 * service, a client, and worker processes it can SIGKILL and replace.
 */
export class Scenario {
  readonly driver: DriverUnderTest;
  readonly engine: EngineEnvironment;
  readonly world: WorldService;
  readonly models: ModelServer;
  readonly client: RatchetClient;
  readonly #ownsServices: boolean;
  #workers = 0;

  private constructor(driver: DriverUnderTest, engine: EngineEnvironment, world: WorldService, models: ModelServer, client: RatchetClient, ownsServices: boolean) {
    this.driver = driver;
    this.engine = engine;
    this.world = world;
    this.models = models;
    this.client = client;
    this.#ownsServices = ownsServices;
  }

  /**
   * Starts the driver's engine, and a world service and model server unless `shared` hands them in:
   * scenarios that move runs between engines count effects and completions across all of them.
   * `clientOptions` go over the engine's driver options for `client` (a codec, say).
   */
  static async open(driver: DriverUnderTest, shared?: { world: WorldService; models: ModelServer }, options: { clientOptions?: Record<string, unknown> } = {}): Promise<Scenario> {
    const [engine, world, models] = await Promise.all([driver.start(), shared?.world ?? startWorldService(), shared?.models ?? startModelServer()]);
    const client = await createClient(await createDriverFromConfig({ driver: driver.name, [driver.name]: { ...engine.driverOptions, ...options.clientOptions } }));
    return new Scenario(driver, engine, world, models, client, shared === undefined);
  }

  /** Starts a worker process and waits until it is ready; `variant` picks changed agent code. */
  async spawnWorker(options: { variant?: string; env?: Record<string, string>; driverOptions?: Record<string, unknown> } = {}): Promise<WorkerProcess> {
    const index = this.#workers++;
    const driverOptions = { ...this.engine.driverOptions, ...this.engine.workerOptions?.(index), ...options.driverOptions };
    const worker = spawnWorker(workerEntry, {
      name: `${this.driver.name}-worker-${index}`,
      env: {
        RATCHET_DRIVER: this.driver.name,
        RATCHET_DRIVER_OPTIONS: JSON.stringify(driverOptions),
        WORLD_URL: this.world.url,
        OPENAI_BASE_URL: this.models.openaiBaseURL,
        ANTHROPIC_BASE_URL: this.models.anthropicBaseURL,
        ...(options.variant ? { AGENT_VARIANT: options.variant } : {}),
        ...options.env,
      },
    });
    await worker.waitForOutput(/worker ready/, 120_000);
    return worker;
  }

  /** Another client of this engine, with `driverOptions` over the engine's (a codec, say). Close it. */
  async clientWith(driverOptions: Record<string, unknown>): Promise<RatchetClient> {
    const name = this.driver.name;
    return createClient(await createDriverFromConfig({ driver: name, [name]: { ...this.engine.driverOptions, ...driverOptions } }));
  }

  /** SIGKILLs `worker` the moment the world applies an effect of `type` (and matching `when`) for `runId`. */
  killOnEffect(worker: WorkerProcess, runId: string, type: string, when: (effect: AppliedEffect) => boolean = () => true): Promise<AppliedEffect> {
    return killWhen<AppliedEffect>(
      (listener) => this.world.on('effect', listener),
      (effect) => effect.idempotencyKey.startsWith(`${runId}:`) && effect.type === type && when(effect),
      worker,
    );
  }

  /** SIGKILLs `worker` the moment a model request whose body contains `marker` arrives. */
  killOnModelRequest(worker: WorkerProcess, marker: string): Promise<RecordedRequest> {
    return killWhen<RecordedRequest>(
      (listener) => this.models.on('request', listener),
      (request) => JSON.stringify(request.body).includes(marker),
      worker,
    );
  }

  effectsOf(runId: string): AppliedEffect[] {
    return this.world.effects.filter((effect) => effect.idempotencyKey.startsWith(`${runId}:`));
  }

  attemptsOf(runId: string) {
    return this.world.attempts.filter((attempt) => attempt.idempotencyKey?.startsWith(`${runId}:`));
  }

  /** Model requests whose body mentions `marker` (scenarios put the run id in their prompts). */
  modelRequestsFor(marker: string): RecordedRequest[] {
    return this.models.requests.filter((request) => JSON.stringify(request.body).includes(marker));
  }

  async waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits until the run is parked on a signal or timer. */
  waitUntilWaiting(runId: string): Promise<void> {
    return this.waitFor(async () => (await this.client.describe(runId)).status === 'waiting');
  }

  /** Stops the workers, keeps every run's journal for the cross-driver comparison, and stops the engine. */
  async close(): Promise<void> {
    await stopAll();
    await recordJournals(this.driver.name, this.client);
    await this.client.close();
    if (this.#ownsServices) await Promise.all([this.world.close(), this.models.close()]);
    await this.engine.stop();
  }
}
