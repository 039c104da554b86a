import { EffectExecutor, type WorkerRegistry } from './effect-executor.ts';
import { CapabilityError, MissingImplementationError } from '../errors/errors.ts';
import type { Driver, DriverWorker, DriverWorkerOptions } from '../driver/driver.ts';
import { parseModelId } from '../model/model-id.ts';
import { payloadRunner } from '../payloads/payload-host.ts';
import { JournalPayloads } from '../payloads/journal-payloads.ts';

/**
 * Creates a worker that hosts the given agents with their implementations and model providers.
 * Refused before anything connects: an agent's declared tool with no implementation, or a declared
 * model (`AgentOptions.models`) whose provider is not registered (`MissingImplementationError`,
 * naming every one missing and what is registered), or an option the driver cannot honour
 * (`CapabilityError`, naming the driver).
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
  const tools = registry.agents.flatMap((agent) => agent.tools.filter((tool) => !implemented.has(`tool:${tool.name}`)).map((tool) => `tool "${tool.name}" of agent "${agent.name}"`));
  if (tools.length) throw new MissingImplementationError(tools.join(', '), [...implemented]);
  const providers = new Set((registry.providers ?? []).map((provider) => provider.id));
  const models = registry.agents.flatMap((agent) =>
    (agent.models ?? [])
      .flatMap((model) => (typeof model === 'string' ? [model] : model.models))
      .filter((model) => !providers.has(parseModelId(model).provider))
      .map((model) => `a model provider for "${model}" of agent "${agent.name}"`),
  );
  if (models.length) throw new MissingImplementationError(models.join(', '), [...providers].map((id) => `provider ${id}`));
  const executor = new EffectExecutor(registry, driver.name);
  const payloads = new JournalPayloads({ codec: driver.codec, offload: driver.offload });
  return driver.createWorker(payloads.active && !driver.capabilities.encodesPayloads ? payloadRunner(executor, payloads) : executor, options);
}
