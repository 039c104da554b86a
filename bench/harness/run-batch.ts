import type { BenchSide } from './bench-side.ts';
import { probe } from './step-probe.ts';
import { expectedMarks, type Workload } from '../workloads/workload.ts';

/**
 * Starts the runs at once, waits for each to mark the probe as often as its workload says, then for
 * each to finish, and checks that none marked more: a step that ran twice, or a side doing other work
 * than the other, would make the comparison meaningless. Resolves with each run's marks.
 */
export async function runBatch(side: BenchSide, runIds: readonly string[], workload: Workload): Promise<(readonly number[])[]> {
  const expected = expectedMarks(workload);
  await Promise.all(runIds.map((runId) => side.startRun(runId, workload)));
  const marks = await Promise.all(runIds.map((runId) => probe.until(runId, expected)));
  await Promise.all(runIds.map((runId) => side.awaitCompleted(runId)));
  for (const runId of runIds) probe.expectExactly(runId, expected);
  return marks;
}
