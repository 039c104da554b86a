// Runs inside Temporal's workflow sandbox: imports only @temporalio/workflow and @ratchet/core.
import type { JournalEntry, PendingSignal } from '@ratchet/core';
import { makeContinueAsNewFunc, proxyActivities, workflowInfo } from '@temporalio/workflow';
import {
  journalPageActivityName,
  memoKeys,
  type ContinuedRun,
  type JournalPage,
  type JournalPageRequest,
  type RunArgs,
  type WorkflowSettings,
} from './protocol.ts';

type JournalActivities = Record<typeof journalPageActivityName, (request: JournalPageRequest) => Promise<JournalPage>>;

/**
 * The journal a continued run carries on from: every entry of the earlier runs, read by the
 * `ratchetJournalPage` activity from the history of the run continued (which holds the entries it
 * loaded itself and its own), in pages under the payload limit. Only the run just closed is read,
 * so a chain stays whole however long ago its first runs closed. Each page is an activity result in
 * this run's history: replays read it from there.
 */
export async function loadCarriedJournal(continued: ContinuedRun, settings: WorkflowSettings): Promise<JournalEntry[]> {
  const { [journalPageActivityName]: readPage } = proxyActivities<JournalActivities>({
    startToCloseTimeout: settings.activityStartToCloseTimeoutMs,
    heartbeatTimeout: settings.activityHeartbeatTimeoutMs,
  });
  const request = { workflowId: workflowInfo().workflowId, runId: continued.runs.at(-1)! };
  const entries: JournalEntry[] = [];
  for (let from: number | null = 0; from !== null; ) {
    const page: JournalPage = await readPage({ ...request, from });
    entries.push(...page.entries);
    from = page.next;
  }
  return entries;
}

/**
 * Ends this run and starts the next of its chain (same workflow id, so the same Ratchet run) with
 * what the journal does not hold: the input, seed and options, the runs so far, and the signals
 * not consumed yet. A seeded run's `seeded` goes along unchanged: its entries stay the start of the
 * journal (the pages this loads hold only the chain's own entries, so they are never carried
 * twice). Temporal does not carry the memo by itself; the input digest is kept so that a second
 * start with this run id still compares inputs.
 */
export function continueRun(args: RunArgs, signals: PendingSignal[]): Promise<never> {
  const info = workflowInfo();
  const next: RunArgs = { ...args, continued: { runs: [...(args.continued?.runs ?? []), info.runId], signals } };
  return makeContinueAsNewFunc({ memo: { [memoKeys.inputDigest]: info.memo?.[memoKeys.inputDigest] } })(next);
}
