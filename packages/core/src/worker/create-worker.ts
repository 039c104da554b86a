import { EffectExecutor, type WorkerRegistry } from './effect-executor.ts';
import type { Driver, DriverWorker, DriverWorkerOptions } from '../driver/driver.ts';

/**
 * Creates a worker that hosts the given agents with their implementations and model providers.
 *
 * @example
 * const worker = await createWorker(driver, { agents: [researchAgent], implementations, providers: [openai()] });
 * await worker.start();
 */
export function createWorker(driver: Driver, registry: WorkerRegistry, options?: DriverWorkerOptions): Promise<DriverWorker> {
  return driver.createWorker(new EffectExecutor(registry), options);
}
