import { ResultTimeoutError } from '../errors/errors.ts';
import { terminalStatuses, type RunDescription } from './driver.ts';

/**
 * The `awaitRun` loop of a driver whose engine cannot push a run's end: asks `check` every
 * `intervalMs` until it gives a run that has ended (`check` may answer `undefined` when a cheap look
 * shows the run cannot have ended yet). Throws `ResultTimeoutError` after `timeoutMs`.
 */
export async function pollUntilEnded(
  runId: string,
  check: () => Promise<RunDescription | undefined>,
  options: { timeoutMs?: number | undefined; intervalMs: number },
): Promise<RunDescription> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  for (;;) {
    const run = await check();
    if (run && terminalStatuses.has(run.status)) return run;
    if (Date.now() >= deadline) throw new ResultTimeoutError(runId, options.timeoutMs!);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}
