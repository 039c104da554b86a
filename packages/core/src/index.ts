// Workflow-safe entry: declarations, the ctx API, errors, the journal model and the driver spec.
// Nothing here imports Node built-ins or an engine, so agent modules bundle into a Temporal workflow.
export * from './errors/ratchet-error.ts';
export * from './errors/errors.ts';
export * from './model/completion.ts';
export * from './model/model-provider.ts';
export * from './model/model-id.ts';
export * from './declarations/retry-policy.ts';
export * from './declarations/step.ts';
export * from './declarations/agent.ts';
export * from './context/agent-context.ts';
export { approvalSignalName } from './context/context-impl.ts';
export * from './journal/journal-entry.ts';
export * from './journal/digest.ts';
export * from './runtime/durable-host.ts';
export * from './runtime/execution-interrupt.ts';
export * from './runtime/assert-same-step.ts';
export * from './runtime/journal-prefix-host.ts';
export * from './runtime/worker-crash.ts';
export * from './runtime/execute-agent.ts';
export * from './runtime/run-options.ts';
export * from './driver/driver.ts';
export * from './driver/client.ts';
export * from './util/duration.ts';
export * from './llm/route.ts';
export * from './llm/budget.ts';
export * from './llm/prompt.ts';
