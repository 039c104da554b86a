import type { Client } from '@temporalio/client';
// A CommonJS package: its namespaces come off the default export.
import proto from '@temporalio/proto';
import { waitUntil } from '../../harness/wait-until.ts';

const { temporal } = proto;

/**
 * Untimed waits on a run, for either side (a Ratchet run is a workflow whose id is the run id), read
 * from the engine as cheaply as it allows: Ratchet's own `describe` reads the whole history, which
 * polled for a 1,000-step run would load the server the bench is measuring.
 */
export function temporalRunState(client: Client) {
  return {
    /** Long-polls the workflow's result (following continue-as-new). */
    async awaitCompleted(runId: string): Promise<void> {
      await client.workflow.getHandle(runId).result();
    },

    /** Nothing scheduled or running: the workflow waits for a signal. */
    awaitWaiting(runId: string): Promise<void> {
      return waitUntil(async () => {
        const { raw, status } = await client.workflow.getHandle(runId).describe();
        return status.name === 'RUNNING' && !raw.pendingActivities?.length && !raw.pendingWorkflowTask;
      }, `run ${runId} waiting for its signal`, 300_000, 50);
    },

    /**
     * After a signal to a run whose worker stopped, Temporal first offers the new workflow task on that
     * worker's sticky queue and moves it to the normal queue when `stickyQueueScheduleToStartTimeout`
     * passes (1 s here, on both sides). Resolves once it has moved, so a worker started now is handed
     * the task at once and the sticky timeout stays out of the recovery time.
     */
    awaitDispatchable(runId: string): Promise<void> {
      return waitUntil(async () => {
        const { history } = await client.workflowService.getWorkflowExecutionHistoryReverse({
          namespace: client.options.namespace,
          execution: { workflowId: runId },
          maximumPageSize: 20,
        });
        // Newest first: the task scheduled after the signal, and on which queue.
        for (const event of history?.events ?? []) {
          if (event.workflowExecutionSignaledEventAttributes) return false;
          const scheduled = event.workflowTaskScheduledEventAttributes;
          if (scheduled) return scheduled.taskQueue?.kind === temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL;
        }
        return false;
      }, `run ${runId}'s workflow task on the normal task queue`, 60_000, 50);
    },
  };
}
