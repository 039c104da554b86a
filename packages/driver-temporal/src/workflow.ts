// Runs inside Temporal's workflow sandbox: imports only @temporalio/workflow and @ratchet/core.
import { executeAgent, type AgentDeclaration } from '@ratchet/core';
import { ApplicationFailure, defineSignal, setDefaultSignalHandler, setHandler, workflowInfo } from '@temporalio/workflow';
import { redriveSignalName, runFailedType, type RunArgs, type RunFailureDetails, type WorkflowSettings } from './contract.ts';
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
 */
export function defineAgentWorkflow(agents: readonly AgentDeclaration[], settings: WorkflowSettings) {
  const byName = new Map(agents.map((agent) => [agent.name, agent]));
  return async function ratchetAgentWorkflow(args: RunArgs): Promise<unknown> {
    const info = workflowInfo();
    const agent = byName.get(info.workflowType);
    if (!agent) throw new Error(`This worker hosts no agent "${info.workflowType}"; it hosts: ${[...byName.keys()].join(', ')}`);

    const inbox = new SignalInbox();
    setDefaultSignalHandler((name, payload) => inbox.push(name, payload));
    let redrives = 0;
    setHandler(defineSignal(redriveSignalName), () => {
      redrives += 1;
    });

    const host = new TemporalHost(
      { runId: info.workflowId, agent: agent.name, seed: args.seed },
      { inbox, settings, redrives: () => redrives },
    );
    const outcome = await executeAgent(agent, args.input, host, args.options);
    if (outcome.status === 'completed') return outcome.output;
    const details: RunFailureDetails = { error: outcome.error, compensations: outcome.compensations };
    throw ApplicationFailure.create({ type: runFailedType, message: outcome.error.message, nonRetryable: true, details: [details] });
  };
}
