import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { inngestDriver, startInngestServer } from '@ratchet/driver-inngest';
import type { BenchDriver } from '../harness/bench-driver.ts';
import { packageVersion } from '../harness/package-version.ts';
import { ratchetSide } from '../harness/ratchet-side.ts';
import { bareInngestSide } from './inngest/bare-inngest-side.ts';
import { InngestRuns } from './inngest/inngest-runs.ts';

// The Ratchet driver's default app id names its start events `{app}/start/{runId}`.
const ratchetStartEvent = (runId: string) => `ratchet/start/${runId}`;

/**
 * A fresh self-hosted `inngest start` (Redis with fsync on every write, SQLite history), tuned as the
 * conformance suite tunes it: the executor polls its queue every 10 ms (default 150) and retries a
 * failed request after 1 s. Ratchet's driver runs with its defaults on a free port; the bare side is
 * the same SDK with a plain function. Inngest caps a run at 1,000 steps, so its longest recovery
 * journal is 800 steps (Ratchet's waits add steps of their own).
 */
export const inngest: BenchDriver = {
  name: 'inngest',
  installScript: 'scripts/engines/install-inngest.sh',
  async start({ models }) {
    const server = await startInngestServer({ retryIntervalSeconds: 1, tickMs: 10 });
    const runs = new InngestRuns(server.baseUrl, server.signingKey);
    const keys = { baseUrl: server.baseUrl, signingKey: server.signingKey, eventKey: server.eventKey };
    const driver = inngestDriver({ ...keys, servePort: 0 });
    return {
      version: `inngest ${inngestBinaryVersion()} (\`inngest start\`, Redis + SQLite); TypeScript SDK ${packageVersion('inngest')}`,
      bareDescription:
        'the same TypeScript SDK directly: a function whose steps are `step.run` of the no-op, or of the `openai` call returning its raw response; a `step.run` returning `Date.now()` for the time, `step.sleep` for a sleep; a signal wait is a `step.waitForEvent`',
      notes: [
        'Workers keep nothing between requests: every request replays the run from the server\'s memo, so recovery is timed from the signal, with a new worker already up.',
        'Inngest caps a run at 1,000 steps (the server\'s and the driver\'s default), so the longest recovery journal is 800 steps.',
        'A Ratchet signal wait first looks for a buffered signal event (a `step.run` reading the server\'s event list), then waits with `step.waitForEvent`; the bare side only waits.',
        'Sleeps are 1 s: the SDK rounds a shorter `step.sleep` up to 1 s (durable waits have a resolution of 1 s), and `step.sleepUntil` a time under a second away woke the run at once in trials.',
        'Bytes: the run\'s step outputs and result as the server returns them in its trace (its run state), in JSON bytes.',
      ],
      ratchet: await ratchetSide({
        driver,
        models,
        stateless: true,
        storedBytes: async (run) => runs.storedBytes(ratchetStartEvent(await run())),
        awaitCompleted: (runId) => runs.awaitCompleted(ratchetStartEvent(runId)),
        awaitWaiting: (runId) => runs.awaitWaiting(ratchetStartEvent(runId)),
      }),
      bare: bareInngestSide({ runs, ...keys, openaiBaseURL: models.openaiBaseURL }),
      scale: {
        overhead: { runs: 12, steps: 30 },
        now: { runs: 8, steps: 20, nows: 3 },
        completions: { runs: 8, completions: 20 },
        signal: { runs: 4, rounds: 5 },
        sleep: { runs: 3, sleeps: 3, ms: 1_000 },
        recovery: { rounds: 5, steps: [10, 100, 800] },
        throughput: { batches: 5, runs: 30 },
        bytes: { steps: 50, completions: 20 },
        memory: { processes: 2, batches: 2, runs: 20, parked: 1000, replaySteps: 800 },
      },
      stop: () => server.stop(),
    };
  },
};

/** `inngest version` of the binary the install script built. */
function inngestBinaryVersion(): string {
  const binary = process.env.RATCHET_INNGEST_BIN ?? join(homedir(), '.cache', 'ratchet', 'inngest', 'v1.43.0', 'inngest');
  return execFileSync(binary, ['version'], { encoding: 'utf8' }).trim();
}
