// Shared by the bare workflows (in Temporal's sandbox) and the bare worker: types and names only.

/** The bare worker's activities: the same nothing as Ratchet's no-op step, and a hand-made completion. */
export interface BareActivities {
  noop(): Promise<void>;
  /** The raw Chat Completions response, as the `openai` client returns it. */
  complete(): Promise<unknown>;
}

export const bareWorkflowTypes = {
  steps: 'bareSteps',
  now: 'bareNow',
  completions: 'bareCompletions',
  sleep: 'bareSleep',
  recovery: 'bareRecovery',
} as const;
