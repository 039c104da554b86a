import { createClient, type AgentDeclaration, type Driver } from '@ratchet/core';
import { createWorker, implement } from '@ratchet/core/worker';
import { openai } from '@ratchet/providers';
import type { ModelServer } from '@ratchet/testing';
import { benchAgents, completionsAgent, noopStep, nowAgent, recoveryAgent, sleepAgent, stepsAgent } from '../workloads/bench-agents.ts';
import { releaseSignal, type Workload } from '../workloads/workload.ts';
import type { BenchSide, StoredBytes } from './bench-side.ts';
import { probe } from './step-probe.ts';
import { waitUntil } from './wait-until.ts';

export interface RatchetSideOptions {
  driver: Driver;
  models: ModelServer;
  /** The engine's stored bytes for a Ratchet run (see `BenchSide.storedBytes`). */
  storedBytes(run: () => Promise<string>): Promise<StoredBytes>;
  /**
   * Untimed waits read from the engine directly, where polling Ratchet's `describe` / `result` would
   * load the engine being measured (they read a run's whole journal each time).
   */
  awaitCompleted?(runId: string): Promise<void>;
  awaitWaiting?(runId: string): Promise<void>;
  /** See `BenchSide.awaitDispatchable`. */
  awaitDispatchable?(runId: string): Promise<void>;
  /** See `BenchSide.resume`. */
  resume?(runId: string): Promise<void>;
  /** See `BenchSide.stateless`. */
  stateless?: boolean;
}

/** The Ratchet side of any engine: the bench's agents through `createClient` / `createWorker`. */
export async function ratchetSide(options: RatchetSideOptions): Promise<BenchSide> {
  const client = await createClient(options.driver);
  const registry = {
    agents: benchAgents,
    implementations: [
      implement(noopStep, {
        async execute(_input, { runId }) {
          probe.mark(runId);
          return null;
        },
      }),
    ],
    providers: [openai({ apiKey: 'bench-key', baseURL: options.models.openaiBaseURL })],
  };
  return {
    label: 'ratchet',
    ...(options.stateless ? { stateless: true } : {}),
    async startWorker() {
      const worker = await createWorker(options.driver, registry);
      await worker.start();
      return worker;
    },
    async startRun(runId, workload) {
      const { agent, input } = agentFor(workload);
      await client.start(agent, input, { runId });
    },
    async awaitCompleted(runId) {
      if (options.awaitCompleted) return options.awaitCompleted(runId);
      await client.result(runId, { timeoutMs: 300_000 });
    },
    async awaitWaiting(runId) {
      if (options.awaitWaiting) return options.awaitWaiting(runId);
      await waitUntil(async () => (await client.describe(runId)).status === 'waiting', `run ${runId} waiting for its signal`, 300_000, 50);
    },
    async signal(runId) {
      await client.signal(runId, releaseSignal);
    },
    ...(options.awaitDispatchable ? { awaitDispatchable: options.awaitDispatchable } : {}),
    ...(options.resume ? { resume: options.resume } : {}),
    storedBytes: (run) => options.storedBytes(run),
    close: () => client.close(),
  };
}

function agentFor(workload: Workload): { agent: AgentDeclaration; input: unknown } {
  switch (workload.kind) {
    case 'steps':
      return { agent: stepsAgent, input: { steps: workload.steps } };
    case 'now':
      return { agent: nowAgent, input: { steps: workload.steps, nows: workload.nows } };
    case 'completions':
      return { agent: completionsAgent, input: { completions: workload.completions } };
    case 'sleep':
      return { agent: sleepAgent, input: { sleeps: workload.sleeps, ms: workload.ms } };
    case 'recovery':
      return { agent: recoveryAgent, input: { steps: workload.steps, rounds: workload.rounds } };
  }
}
