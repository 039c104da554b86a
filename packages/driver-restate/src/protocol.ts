// Wire names and stored shapes: how Ratchet things are named inside Restate and what its handlers
// and state hold. Runs already in Restate depend on them: add fields, never rename.
import type { MigrationRecord, RunOutcome, StartRunRequest } from '@ratchet/core';

/**
 * How Ratchet things are named inside Restate. Agent names cannot contain `.`, so the system
 * services' names never collide with an agent's workflow.
 */
export interface ServiceNames {
  /** The workflow of one agent, keyed by run id. */
  agent(agent: string): string;
  /** The virtual object, keyed by run id, that counts executions (and the attempts of steps after a wait, see ledger.ts). */
  readonly ledger: string;
  /**
   * The virtual object, keyed by run id, that delivers signals in order and records a migration
   * request (see signals.ts).
   */
  readonly signals: string;
  /** The agent name of a workflow service, or undefined for a service that is not an agent's. */
  agentOf(service: string): string | undefined;
}

export function serviceNames(prefix: string): ServiceNames {
  const ledger = `${prefix}system.ledger`;
  const signals = `${prefix}system.signals`;
  return {
    agent: (agent) => `${prefix}${agent}`,
    ledger,
    signals,
    // System services have a `.` after the prefix; agent names cannot.
    agentOf: (service) => (service.startsWith(prefix) && !service.slice(prefix.length).includes('.') ? service.slice(prefix.length) : undefined),
  };
}

/**
 * The durable promise that carries the `seq`-th signal of a name. Senders fill 1, 2, 3, ... in
 * order; each wait takes the lowest one it has not taken, so signals sent before a wait are kept.
 */
export const signalPromiseKey = (signal: string, seq: number) => `signal:${signal}:${seq}`;

/**
 * The durable promise a migration request resolves with `{ to }`: every sleep and signal wait races
 * it, so a request wakes a parked run (see signals.ts).
 */
export const migrationPromiseKey = 'ratchet.migrate';

/**
 * Workflow state: the run's end — as `executeAgent` returned it (output or error and compensations),
 * or the migration it stopped for (see workflow.ts).
 */
export const outcomeStateKey = 'ratchet.outcome';

/** A migration request: the driver the run moves to. */
export interface MigrationRequest {
  to: string;
}

/**
 * What the client submits to start a run: the workflow's input, journaled by Restate (the workflow
 * key is the run id). A wire format: add fields, never rename.
 */
export type RunRequest = Omit<StartRunRequest, 'runId'> & {
  /**
   * How the run journals; absent in runs started before versions were recorded (1). 2: a sleep or
   * signal wait journals a wake marker (`wakeMarkerName`) once it settled, which dates it for the
   * steps after it (see core's attempt-gate.ts). 3: also, the run's first command is the execution
   * marker (`executionMarkerName`): the execution that journals it is the run's first, and counts
   * itself without a call to the ledger. A run keeps the version it started with, so its replays
   * issue the commands its journal holds.
   */
  journalVersion?: number;
};

/** The journal version new runs start with (see `RunRequest.journalVersion`). */
export const currentJournalVersion = 3;

/** The name of the `ctx.run` that is the first command of a run of journal version 3 (see `RunRequest.journalVersion`). */
export const executionMarkerName = 'ratchet.execution';

/** The name of the `ctx.run` a settled wait journals in runs of journal version 2: its value is the execution. */
export const wakeMarkerName = 'ratchet.woke';

/** The run's end in workflow state: what `executeAgent` returned, or the migration it stopped for. */
export type StoredOutcome = RunOutcome | { status: 'migrated'; migration: MigrationRecord; /** The position it stopped at. */ position: number };

/** A signal for the run, as its queue hands it to the workflow's `signal` handler. */
export interface SignalRequest {
  name: string;
  payload: unknown;
}
