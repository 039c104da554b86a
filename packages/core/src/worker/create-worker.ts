import { EffectExecutor, type WorkerRegistry } from './effect-executor.ts';
import { CapabilityError, MissingImplementationError } from '../errors/errors.ts';
import type { Driver, DriverWorker, DriverWorkerOptions } from '../driver/driver.ts';

/**
 * Creates a worker that hosts the given agents with their implementations and model providers.
 * Refused before anything connects: an agent's declared tool with no implementation
 * (`MissingImplementationError`, naming the agent and the tool), or an option the driver cannot
 * honour (`CapabilityError`, naming the driver).
 *
 * @example
 * const worker = await createWorker(driver, { agents: [researchAgent], implementations, providers: [openai()] });
 * await worker.start();
 */
export async function createWorker(driver: Driver, registry: WorkerRegistry, options: DriverWorkerOptions = {}): Promise<DriverWorker> {
  if (options.concurrency !== undefined && driver.capabilities.workerConcurrency === 'engine') {
    throw new CapabilityError(driver.name, 'bound worker concurrency', `the engine decides how much work it sends a worker; set the limit on the engine (see docs/drivers/${driver.name}.md)`);
  }
  const implemented = new Set((registry.implementations ?? []).map((implementation) => `${implementation.declaration.type}:${implementation.declaration.name}`));
  for (const agent of registry.agents) {
    const missing = agent.tools.find((tool) => !implemented.has(`tool:${tool.name}`));
    if (missing) throw new MissingImplementationError(`tool "${missing.name}" of agent "${agent.name}"`, [...implemented]);
  }
  return driver.createWorker(new EffectExecutor(registry), options);
}
