// Runs inside Temporal's workflow sandbox: imports only @temporalio/workflow and @ratchet/core.
import {
  ConfigError,
  ExecutionInterrupt,
  JournalPrefixHost,
  executeAgent,
  serializeError,
  type AgentDeclaration,
  type MigrationRecord,
  type RunOutcome,
} from '@ratchet/core';
import { ApplicationFailure, defineSignal, setDefaultSignalHandler, setHandler, workflowInfo } from '@temporalio/workflow';
import { continueRun, loadCarriedJournal } from './continue-as-new.ts';
import {
  migrateSignalName,
  redriveSignalName,
  runDivergedType,
  runFailedType,
  runMigratedType,
  type MigrateRequest,
  type RunArgs,
  type RunFailureDetails,
  type WorkflowSettings,
} from './protocol.ts';
import { HistoryLimit } from './history-limit.ts';
import { TemporalHost } from './host.ts';
import { MigrationRequest } from './migration-request.ts';
import { SignalInbox } from './signals.ts';

/**
 * The workflow function for a set of agents. The generated workflow entry exports it as the
 * module's default export, which Temporal uses for every workflow type: the type is the agent's
 * name and the workflow id is the run id.
 *
 * A completed agent completes the workflow with its output. An agent that fails (after core has run
 * its compensations) fails the workflow with a `RatchetRunFailed` failure carrying the error and
 * the compensations. A type this worker has no agent for fails the workflow task, so Temporal
 * retries it until a worker that has the agent picks it up.
 *
 * A long run continues as new at a step boundary (see `HistoryLimit`). The next run loads the
 * journal of the earlier ones and answers the agent's first steps from it (core's
 * `JournalPrefixHost`), so budget, pinned prompts, the compensation stack and step ids are rebuilt
 * as on any replay, then carries on with the same host. If the code no longer matches that journal,
 * the workflow fails as `RatchetRunDiverged`, which reads back as a dead-lettered run.
 *
 * A seeded run (import, migration, fork) answers its first steps from `seeded.entries` the same
 * way, before the entries of its own chain, and resumes `seeded.openWait` with its deadline.
 *
 * A run asked to migrate (the `__ratchet_migrate` signal) stops at its next safe point (see
 * `MigrationRequest`) and fails as `RatchetRunMigrated` with its `MigrationRecord`: where it goes,
 * when it stopped (workflow time), the signals it received and did not consume, and the wait it
 * stopped in. That reads back as a `migrated` run.
 */
export function defineAgentWorkflow(agents: readonly AgentDeclaration[], settings: WorkflowSettings) {
  const byName = new Map(agents.map((agent) => [agent.name, agent]));
  return async function ratchetAgentWorkflow(args: RunArgs): Promise<unknown> {
    const info = workflowInfo();
    const agent = byName.get(info.workflowType);
    // A workflow task error, not a workflow failure: Temporal retries it until a worker that hosts the agent takes it.
    if (!agent) throw new ConfigError(`This worker hosts no agent "${info.workflowType}"; it hosts: ${[...byName.keys()].join(', ')}`, { agent: info.workflowType });

    // The driver's own signals get their handlers first: signals that came before the workflow
    // started are handed out as handlers are set, and the default handler would take them all.
    const migration = new MigrationRequest();
    setHandler(defineSignal<[MigrateRequest]>(migrateSignalName), (request) => migration.receive(request));
    let redrives = 0;
    setHandler(defineSignal(redriveSignalName), () => {
      redrives += 1;
    });
    // Signals from before this workflow run come before any it receives: those carried from the run
    // continued, or for a chain's first run the seeded ones. A continued run's inbox and journal
    // already hold what became of the seeded signals and the open wait.
    const inbox = new SignalInbox(args.continued ? args.continued.signals : args.seeded?.signals);
    setDefaultSignalHandler((name, payload) => inbox.push(name, payload));

    const carried = args.continued ? await loadCarriedJournal(args.continued, settings) : [];
    const prefix = [...(args.seeded?.entries ?? []), ...carried];
    const openWait = args.continued ? undefined : args.seeded?.openWait;
    const host = new TemporalHost(
      { runId: info.workflowId, agent: agent.name, seed: args.seed },
      {
        inbox,
        settings,
        redrives: () => redrives,
        limit: new HistoryLimit({ events: settings.continueAsNewAfterEvents, bytes: settings.continueAsNewAfterBytes }),
        migration,
      },
    );
    let outcome: RunOutcome;
    try {
      outcome = await executeAgent(agent, args.input, new JournalPrefixHost(prefix, host, { openWait }), args.options);
    } catch (error) {
      if (!ExecutionInterrupt.isInstance(error)) throw error;
      if (error.reason === 'abandon') return continueRun(args, inbox.pending());
      if (error.reason === 'migrate') {
        const record: MigrationRecord = {
          to: migration.to!,
          stoppedAt: Date.now(),
          signals: inbox.pending(),
          ...(error.details.openWait ? { openWait: error.details.openWait } : {}),
        };
        throw ApplicationFailure.create({ type: runMigratedType, message: `The run was migrated to the ${record.to} driver`, nonRetryable: true, details: [record] });
      }
      // The only other interrupt: core found the code diverging from the journal it was handed.
      const diverged = serializeError(error.details.error);
      throw ApplicationFailure.create({ type: runDivergedType, message: diverged.message, nonRetryable: true, details: [diverged] });
    }
    if (outcome.status === 'completed') return outcome.output;
    const details: RunFailureDetails = { error: outcome.error, compensations: outcome.compensations };
    throw ApplicationFailure.create({ type: runFailedType, message: outcome.error.message, nonRetryable: true, details: [details] });
  };
}
