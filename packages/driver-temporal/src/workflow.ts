// Runs inside Temporal's workflow sandbox: imports only @temporalio/workflow and @ratchet/core.
import { ExecutionInterrupt, JournalPrefixHost, executeAgent, serializeError, type AgentDeclaration, type RunOutcome } from '@ratchet/core';
import { ApplicationFailure, defineSignal, setDefaultSignalHandler, setHandler, workflowInfo } from '@temporalio/workflow';
import { continueRun, loadCarriedJournal } from './continue-as-new.ts';
import { redriveSignalName, runDivergedType, runFailedType, type RunArgs, type RunFailureDetails, type WorkflowSettings } from './contract.ts';
import { HistoryLimit } from './history-limit.ts';
import { TemporalHost } from './host.ts';
import { SignalInbox } from './signal-inbox.ts';

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
 */
export function defineAgentWorkflow(agents: readonly AgentDeclaration[], settings: WorkflowSettings) {
  const byName = new Map(agents.map((agent) => [agent.name, agent]));
  return async function ratchetAgentWorkflow(args: RunArgs): Promise<unknown> {
    const info = workflowInfo();
    const agent = byName.get(info.workflowType);
    if (!agent) throw new Error(`This worker hosts no agent "${info.workflowType}"; it hosts: ${[...byName.keys()].join(', ')}`);

    // Signals carried from the run continued come before any this run receives.
    const inbox = new SignalInbox(args.continued?.signals);
    setDefaultSignalHandler((name, payload) => inbox.push(name, payload));
    let redrives = 0;
    setHandler(defineSignal(redriveSignalName), () => {
      redrives += 1;
    });

    const carried = args.continued ? await loadCarriedJournal(args.continued, settings) : [];
    const host = new TemporalHost(
      { runId: info.workflowId, agent: agent.name, seed: args.seed },
      {
        inbox,
        settings,
        redrives: () => redrives,
        limit: new HistoryLimit({ events: settings.continueAsNewAfterEvents, bytes: settings.continueAsNewAfterBytes }),
      },
    );
    let outcome: RunOutcome;
    try {
      outcome = await executeAgent(agent, args.input, carried.length > 0 ? new JournalPrefixHost(carried, host) : host, args.options);
    } catch (error) {
      if (!ExecutionInterrupt.isInstance(error)) throw error;
      if (error.reason === 'abandon') return continueRun(args, inbox.pending());
      // The only other interrupt: core found the code diverging from the carried journal.
      const diverged = serializeError(error.details.error);
      throw ApplicationFailure.create({ type: runDivergedType, message: diverged.message, nonRetryable: true, details: [diverged] });
    }
    if (outcome.status === 'completed') return outcome.output;
    const details: RunFailureDetails = { error: outcome.error, compensations: outcome.compensations };
    throw ApplicationFailure.create({ type: runFailedType, message: outcome.error.message, nonRetryable: true, details: [details] });
  };
}
