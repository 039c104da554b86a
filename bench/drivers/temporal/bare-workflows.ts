// The bare side's workflows: plain Temporal, the way a team would write these without Ratchet.
// Runs in Temporal's workflow sandbox: imports @temporalio/workflow and types only.
import { condition, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { BareActivities } from './bare-contract.ts';

const { noop, complete } = proxyActivities<BareActivities>({ startToCloseTimeout: '10 minutes' });
const go = defineSignal('go');

export async function bareSteps(steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) await noop();
}

/** `Date.now()` is deterministic in the workflow sandbox: replay sees the time of the task being replayed. */
export async function bareNow(steps: number, nows: number): Promise<void> {
  for (let i = 0; i < steps; i++) {
    if (i > 0) for (let j = 0; j < nows; j++) Date.now();
    await noop();
  }
}

export async function bareSleep(sleeps: number, ms: number): Promise<void> {
  await noop();
  for (let i = 0; i < sleeps; i++) {
    await sleep(ms);
    await noop();
  }
}

export async function bareCompletions(completions: number): Promise<void> {
  for (let i = 0; i < completions; i++) await complete();
}

export async function bareRecovery(steps: number, rounds: number): Promise<void> {
  let releases = 0;
  setHandler(go, () => {
    releases += 1;
  });
  for (let i = 0; i < steps; i++) await noop();
  for (let round = 0; round < rounds; round++) {
    await condition(() => releases > round);
    await noop();
  }
}
