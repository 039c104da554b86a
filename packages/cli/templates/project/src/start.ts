// `npm start`: one run from start to finish. A worker runs in this process (src/worker.ts); the
// client starts a run, approves it once it waits for the approval, and prints the result.
import { createClient, terminalStatuses, type RunStatus } from '@ratchet/core';
import { noteTaker } from './agent.ts';
import { driver, worker } from './worker.ts';

const client = await createClient(driver);
try {
  const run = await client.start(noteTaker, { topic: process.argv[2] ?? 'durable execution' });
  console.log(`run ${run.runId} started on the ${client.driver} driver`);

  // A run that ends before it waits (a bad API key, say) skips the approval: result() throws its error.
  if ((await waitForApprovalOrEnd(run.runId)) === 'waiting') {
    await client.approve(run.runId, 'save-note', { by: 'start script' });
    console.log('approved save-note as "start script"');
  }
  const output = await run.result({ timeoutMs: 120_000 });
  console.log(`\n${output.note}\n\nsaved to ${output.file}, approved by ${output.approvedBy}`);
  console.log(`\nEach step, executed or replayed, with its model, tokens and cost:\n  npx ratchet show ${run.runId}`);
} finally {
  await worker.stop();
  await client.close();
}

/** Polls the run until it parks on its approval or ends. */
async function waitForApprovalOrEnd(runId: string): Promise<RunStatus> {
  for (;;) {
    const { status } = await client.describe(runId);
    if (status === 'waiting' || terminalStatuses.has(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
