import { restateDriver } from '@ratchet/driver-restate';
import { freePort, restateServerVersion, startRestateServer } from '@ratchet/driver-restate/server';
import type { BenchDriver } from '../harness/bench-driver.ts';
import { packageVersion } from '../harness/package-version.ts';
import { ratchetSide } from '../harness/ratchet-side.ts';
import { bareRestateSide } from './restate/bare-restate-side.ts';
import { RestateAdmin } from './restate/restate-admin.ts';

// Both sides: an invocation blocked on a promise suspends after 500 ms idle (server default 1 min), so
// a parked recovery run is suspended, not holding its worker's stream, when that worker stops.
const inactivityTimeoutMs = 500;

/**
 * A fresh restate-server (the repo's test configuration: two partitions, retries 50-500 ms). Ratchet's
 * driver runs with its defaults on its own endpoint port, except the inactivity timeout above; the
 * bare side serves a plain workflow on another. The untimed waits, and "retry now" after a new
 * worker starts, go through the admin API.
 */
export const restate: BenchDriver = {
  name: 'restate',
  installScript: 'scripts/engines/install-restate.sh',
  async start({ models }) {
    const server = await startRestateServer();
    const admin = new RestateAdmin(server.adminUrl);
    const driver = restateDriver({ ingressUrl: server.ingressUrl, adminUrl: server.adminUrl, endpointPort: await freePort(), inactivityTimeout: inactivityTimeoutMs });
    return {
      version: `restate-server ${restateServerVersion}; TypeScript SDK ${packageVersion('@restatedev/restate-sdk')}`,
      bareDescription:
        'the same TypeScript SDK directly: a workflow whose steps are `ctx.run` of the no-op, or of the `openai` call returning its raw response; `ctx.date.now()` for the time, `ctx.sleep` for a sleep; a signal wait awaits a durable promise that a shared handler resolves',
      notes: [
        'Both sides: inactivity timeout 500 ms (server default 1 min), so a parked run is suspended when its worker stops; after a new worker starts, both ask the admin API to retry the run now (`resume`), so Restate\'s retry backoff is not in the recovery time.',
        'Ratchet\'s worker re-registers its deployment at every start (driver default `register: true`); the bare deployment registers once. A Ratchet signal reaches the run through its signal queue object.',
        'Ratchet journals an execution marker as a run\'s first command; each later execution is counted in its ledger object (an ingress call, a second invocation) and calls its signal queue once as it starts; a step reckons its attempt from that count, and a settled wait journals a wake marker. Ratchet\'s client looks for a run before it starts one (one SQL query per tick, shared by the starts of that tick).',
        'Bytes: everything Restate keeps under the run\'s key: journal entries (`sys_journal.raw_length`), state (Ratchet\'s ledger) and promises.',
      ],
      ratchet: await ratchetSide({
        driver,
        models,
        storedBytes: (run) => admin.storedBytes(run),
        awaitCompleted: (runId) => admin.awaitCompleted(runId),
        awaitWaiting: (runId) => admin.awaitWaiting(runId),
        awaitDispatchable: (runId) => admin.awaitBackingOff(runId),
        resume: (runId) => admin.resume(runId),
      }),
      bare: bareRestateSide({ admin, ingressUrl: server.ingressUrl, endpointPort: await freePort(), openaiBaseURL: models.openaiBaseURL, inactivityTimeoutMs }),
      scale: {
        overhead: { runs: 12, steps: 30 },
        now: { runs: 8, steps: 20, nows: 3 },
        completions: { runs: 8, completions: 20 },
        signal: { runs: 3, rounds: 4 },
        sleep: { runs: 4, sleeps: 5, ms: 50 },
        recovery: { rounds: 5, steps: [10, 100, 1_000] },
        throughput: { batches: 5, runs: 30 },
        bytes: { steps: 50, completions: 20 },
        memory: { processes: 2, batches: 3, runs: 20, parked: 1000, replaySteps: 5000 },
      },
      stop: () => server.stop(),
    };
  },
};
