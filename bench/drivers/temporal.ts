import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultTemporalBinary, startTemporalServer, temporalDriver } from '@ratchet/driver-temporal';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import type { BenchDriver } from '../harness/bench-driver.ts';
import { packageVersion } from '../harness/package-version.ts';
import { ratchetSide } from '../harness/ratchet-side.ts';
import { bareTemporalSide } from './temporal/bare-temporal-side.ts';
import { historyBytes } from './temporal/history-bytes.ts';
import { temporalRunState } from './temporal/run-state.ts';

const agentModules = [fileURLToPath(new URL('../workloads/bench-agents.ts', import.meta.url))];
const bareWorkflows = fileURLToPath(new URL('./temporal/bare-workflows.ts', import.meta.url));
// Both sides: a stopped worker's workflow tasks move to the normal queue after 1 s (SDK default 10 s).
const stickyQueueScheduleToStartTimeoutMs = 1_000;

/**
 * A fresh `temporal server start-dev` (SQLite) for the bench. Ratchet's driver runs with its
 * production defaults except the sticky timeout above; the bare side is the same SDK with plain
 * workflows and activities on its own task queue. The untimed waits read the workflow directly.
 */
export const temporal: BenchDriver = {
  name: 'temporal',
  installScript: 'scripts/engines/install-temporal.sh',
  async start({ models }) {
    // Before either side creates a worker, so the SDK's INFO lines stay out of the bench's output.
    if (!Runtime._instance) Runtime.install({ logger: new DefaultLogger('ERROR') });
    const server = await startTemporalServer();
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const driver = temporalDriver({
      address: server.address,
      taskQueue: 'bench-ratchet',
      agentModules,
      stickyQueueScheduleToStartTimeoutMs,
      logLevel: 'ERROR',
    });
    const state = temporalRunState(client);
    const { code } = await bundleWorkflowCode({ workflowsPath: bareWorkflows, logger: new DefaultLogger('ERROR') });
    return {
      version: `${execFileSync(defaultTemporalBinary(), ['--version'], { encoding: 'utf8' }).trim()}, \`start-dev\` on SQLite; TypeScript SDK ${packageVersion('@temporalio/worker')}`,
      bareDescription:
        'the same TypeScript SDK directly: a workflow awaiting a no-op activity per step, or an activity that calls the `openai` client and returns its raw response; `Date.now()` in the workflow for the time, `sleep` for a sleep; a signal and `condition` for the signal wait',
      notes: [
        'Both sides: the SDK\'s default workflow cache (`maxCachedWorkflows`, sized from the heap limit); a run leaves it when it ends. Each open Ratchet run holds its own zod and core modules (about 1 MiB), which become garbage when it ends: the peak RSS is mostly that garbage, before V8 collects it.',
        'Both sides: `stickyQueueScheduleToStartTimeout` 1 s; a recovery starts once the signalled run\'s workflow task has left the stopped worker\'s sticky queue (untimed).',
        'Ratchet\'s worker loads its generated workflow bundle (cached on disk) at every start; the bare bundle is built once per bench run and handed to each worker in memory.',
        'Ratchet\'s driver (as in this working tree) continues a run as new after 4,096 history events, so a new worker replays only the run since then plus the carried journal: at 1,000 journaled steps Ratchet replays less than the bare workflow does.',
        'The dev server fires a timer of 50 ms about 1 s late on both sides, so the sleep figure takes few samples here.',
        'Bytes: the run\'s history events encoded as protobuf (`fetchHistory`), payloads included.',
      ],
      ratchet: await ratchetSide({
        driver,
        models,
        storedBytes: (run) => historyBytes(client, run),
        ...state,
      }),
      bare: bareTemporalSide({
        client,
        address: server.address,
        taskQueue: 'bench-bare',
        workflowBundle: { code },
        openaiBaseURL: models.openaiBaseURL,
        stickyQueueScheduleToStartTimeoutMs,
      }),
      scale: {
        overhead: { runs: 12, steps: 20 },
        now: { runs: 8, steps: 20, nows: 3 },
        completions: { runs: 8, completions: 15 },
        signal: { runs: 4, rounds: 5 },
        sleep: { runs: 2, sleeps: 4, ms: 50 },
        recovery: { rounds: 5, steps: [10, 100, 1_000] },
        throughput: { batches: 5, runs: 20 },
        bytes: { steps: 50, completions: 20 },
        memory: { processes: 2, batches: 2, runs: 20, parked: 1000, replaySteps: 500 },
      },
      async stop() {
        await connection.close();
        await server.stop();
      },
    };
  },
};
