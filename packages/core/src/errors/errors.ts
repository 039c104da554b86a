import { RatchetError, registerErrorKind, type SerializedError } from './ratchet-error.ts';

/**
 * Every concrete error Ratchet raises. Each has a stable `kind`, says in its message what was wrong
 * and what is valid, and is rebuilt with its own class when read back from a journal.
 *
 * @example
 * throw new TerminalError('card declined'); // journaled once, never retried
 */
export class TerminalError extends RatchetError {
  constructor(message: string, options: { cause?: unknown; data?: Record<string, unknown> } = {}) {
    super('terminal', message, { ...options, retryable: false });
    this.name = 'TerminalError';
  }
}

export interface ValidationIssue {
  path: string;
  message: string;
}

/** The agent's input failed its schema: the run is not created and no step runs. */
export class InputValidationError extends RatchetError {
  readonly agent: string;
  readonly issues: ValidationIssue[];
  constructor(agent: string, issues: ValidationIssue[]) {
    super('input-validation', `Input for agent "${agent}" is invalid: ${formatIssues(issues)}`, {
      data: { agent, issues },
    });
    this.name = 'InputValidationError';
    this.agent = agent;
    this.issues = issues;
  }
}

/** A step, tool or agent produced a value that fails its declared output schema. */
export class OutputValidationError extends RatchetError {
  readonly target: string;
  readonly issues: ValidationIssue[];
  constructor(target: string, issues: ValidationIssue[]) {
    super('output-validation', `Output of ${target} is invalid: ${formatIssues(issues)}`, {
      data: { target, issues },
    });
    this.name = 'OutputValidationError';
    this.target = target;
    this.issues = issues;
  }
}

/** Arguments for a tool (from code or from a model) fail the tool's input schema; nothing ran. */
export class ToolInputError extends RatchetError {
  readonly tool: string;
  readonly issues: ValidationIssue[];
  constructor(tool: string, issues: ValidationIssue[]) {
    super('tool-input', `Arguments for tool "${tool}" are invalid: ${formatIssues(issues)}`, {
      data: { tool, issues },
    });
    this.name = 'ToolInputError';
    this.tool = tool;
    this.issues = issues;
  }
}

/** A tool was asked for by a name the agent does not declare. */
export class UnknownToolError extends RatchetError {
  readonly tool: string;
  readonly available: string[];
  constructor(tool: string, available: string[]) {
    super(
      'unknown-tool',
      `Unknown tool "${tool}". This agent declares: ${available.length ? available.join(', ') : '(no tools)'}`,
      { data: { tool, available } },
    );
    this.name = 'UnknownToolError';
    this.tool = tool;
    this.available = available;
  }
}

/**
 * The worker has no implementation for a declared step or tool. Retryable on purpose: the run
 * dead-letters, and after a deploy that registers the implementation a redrive resumes it.
 */
export class MissingImplementationError extends RatchetError {
  readonly target: string;
  readonly registered: string[];
  constructor(target: string, registered: string[]) {
    super(
      'missing-implementation',
      `No implementation registered on this worker for ${target}. Registered: ${registered.length ? registered.join(', ') : '(none)'}`,
      { retryable: true, data: { target, registered } },
    );
    this.name = 'MissingImplementationError';
    this.target = target;
    this.registered = registered;
  }
}

/**
 * On replay the agent asked for a different step than the journal holds at that position: the code
 * changed incompatibly under an in-flight run. The run dead-letters (nothing past the divergence
 * runs, nothing is compensated); restore compatible code and redrive.
 */
export class NonDeterminismError extends RatchetError {
  readonly position: number;
  readonly expected: string;
  readonly actual: string;
  constructor(position: number, expected: string, actual: string) {
    super(
      'non-determinism',
      `Non-deterministic replay at step ${position}: the journal has "${expected}" but the agent asked for "${actual}"`,
      { data: { position, expected, actual } },
    );
    this.name = 'NonDeterminismError';
    this.position = position;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A step's attempts ended with their worker dying (killed, out of memory, cut off by the engine's
 * timeout) before an outcome was recorded. Crashed attempts count like failed ones, so a step that
 * kills its worker dead-letters after `maxAttempts` instead of crash-looping; redrive retries it.
 */
export class WorkerCrashError extends RatchetError {
  constructor(message: string) {
    super('worker-crash', message, { retryable: true });
    this.name = 'WorkerCrashError';
  }
}

/** A command or API was called wrongly (a missing argument, a file that cannot be read); the CLI exits 2. */
export class UsageError extends RatchetError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('usage', message, { data });
    this.name = 'UsageError';
  }
}

/** Options or config that name something that does not exist; the message lists what is valid. */
export class ConfigError extends RatchetError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('config', message, { data });
    this.name = 'ConfigError';
  }
}

/**
 * The driver cannot do what was asked of it (a worker concurrency bound on an engine that decides how
 * much work it sends, say). Raised when the worker is created, naming the driver and the capability,
 * so nothing is silently ignored.
 *
 * @example
 * await createWorker(restateDriver(), registry, { concurrency: 4 }); // CapabilityError: the restate driver cannot bound worker concurrency ...
 */
export class CapabilityError extends RatchetError {
  readonly driver: string;
  readonly capability: string;
  constructor(driver: string, capability: string, explanation: string) {
    super('capability', `The ${driver} driver cannot ${capability}: ${explanation}`, { data: { driver, capability } });
    this.name = 'CapabilityError';
    this.driver = driver;
    this.capability = capability;
  }
}

/** A provider has no API key. The message names the option and the environment variable, never a key. */
export class MissingApiKeyError extends RatchetError {
  readonly provider: string;
  readonly variable: string;
  constructor(provider: string, variable: string) {
    super(
      'missing-api-key',
      `No API key for provider "${provider}": set ${variable} or pass apiKey in the provider options`,
      { data: { provider, variable } },
    );
    this.name = 'MissingApiKeyError';
    this.provider = provider;
    this.variable = variable;
  }
}

export type ProviderErrorClass =
  | 'rate-limited'
  | 'overloaded'
  | 'timeout'
  | 'context-too-long'
  | 'auth'
  | 'bad-request'
  | 'content-policy'
  | 'unknown';

const retryableClasses: ReadonlySet<ProviderErrorClass> = new Set(['rate-limited', 'overloaded', 'timeout', 'unknown']);

/** A model call failed; `errorClass` drives retry and routing, `retryable` is derived from it. */
export class ProviderError extends RatchetError {
  readonly errorClass: ProviderErrorClass;
  constructor(
    errorClass: ProviderErrorClass,
    message: string,
    details: { provider: string; model: string; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super('provider', message, {
      retryable: retryableClasses.has(errorClass),
      ...(details.retryAfterMs === undefined ? {} : { retryAfterMs: details.retryAfterMs }),
      cause: details.cause,
      data: {
        errorClass,
        provider: details.provider,
        model: details.model,
        ...(details.status === undefined ? {} : { status: details.status }),
      },
    });
    this.name = 'ProviderError';
    this.errorClass = errorClass;
  }
}

/** By marker and kind, not `instanceof`: core may be loaded twice (see `RatchetError`). */
export function isProviderError(error: unknown): error is ProviderError {
  return RatchetError.isInstance(error) && error.kind === 'provider';
}

export class RunNotFoundError extends RatchetError {
  readonly runId: string;
  constructor(runId: string) {
    super('run-not-found', `No run with id "${runId}"`, { data: { runId } });
    this.name = 'RunNotFoundError';
    this.runId = runId;
  }
}

/** A start reused a run id for another agent or another input. */
export class RunConflictError extends RatchetError {
  readonly runId: string;
  constructor(runId: string, reason: string) {
    super('run-conflict', `Run "${runId}" already exists ${reason}`, { data: { runId } });
    this.name = 'RunConflictError';
    this.runId = runId;
  }
}

export interface CompensationRecord {
  stepId: string;
  name: string;
  status: 'compensated' | 'failed';
  error?: SerializedError;
}

/** The run ended failed: `error` is the original failure, `compensations` what was undone. */
export class RunFailedError extends RatchetError {
  readonly runId: string;
  readonly error: SerializedError;
  readonly compensations: CompensationRecord[];
  constructor(
    runId: string,
    error: SerializedError,
    compensations: CompensationRecord[],
  ) {
    super('run-failed', `Run "${runId}" failed: ${error.message}`, { data: { runId, error, compensations } });
    this.name = 'RunFailedError';
    this.runId = runId;
    this.error = error;
    this.compensations = compensations;
  }
}

/** The run is parked after its retries ran out (or on non-determinism); `redrive` resumes it. */
export class RunDeadLetteredError extends RatchetError {
  readonly runId: string;
  readonly stepId: string | undefined;
  readonly error: SerializedError;
  constructor(runId: string, stepId: string | undefined, error: SerializedError) {
    super(
      'run-dead-lettered',
      `Run "${runId}" is dead-lettered${stepId ? ` at step "${stepId}"` : ''}: ${error.message}. Fix the cause, then redrive it.`,
      { data: { runId, ...(stepId ? { stepId } : {}), error } },
    );
    this.name = 'RunDeadLetteredError';
    this.runId = runId;
    this.stepId = stepId;
    this.error = error;
  }
}

/** A signal's payload failed the schema the waiting agent declared. */
export class SignalPayloadError extends RatchetError {
  readonly signal: string;
  readonly issues: ValidationIssue[];
  constructor(signal: string, issues: ValidationIssue[]) {
    super('signal-payload', `Payload for signal "${signal}" is invalid: ${formatIssues(issues)}`, {
      data: { signal, issues },
    });
    this.name = 'SignalPayloadError';
    this.signal = signal;
    this.issues = issues;
  }
}

/**
 * A signal, an approval or a redrive for a run that has completed or failed: nothing is stored and
 * the run is unchanged, on every driver. Start a new run, or fork this one from a step.
 */
export class RunEndedError extends RatchetError {
  readonly runId: string;
  readonly status: 'completed' | 'failed';
  constructor(runId: string, status: 'completed' | 'failed', action: string) {
    super('run-ended', `Run "${runId}" has ${status}: nothing to ${action}. Start a new run, or fork this one (ratchet fork)`, { data: { runId, status, action } });
    this.name = 'RunEndedError';
    this.runId = runId;
    this.status = status;
  }
}

/** Waiting for a run's result took longer than the caller allowed; the run itself goes on. */
export class ResultTimeoutError extends RatchetError {
  readonly runId: string;
  readonly timeoutMs: number;
  constructor(runId: string, timeoutMs: number) {
    super('result-timeout', `Run "${runId}" did not finish within ${timeoutMs} ms`, { data: { runId, timeoutMs } });
    this.name = 'ResultTimeoutError';
    this.runId = runId;
    this.timeoutMs = timeoutMs;
  }
}

function formatIssues(issues: ValidationIssue[]): string {
  return issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
}

const d = (s: SerializedError) => s.data ?? {};
const str = (value: unknown) => String(value ?? '');
const list = <T>(value: unknown) => (Array.isArray(value) ? (value as T[]) : []);
const cause = (value: unknown): SerializedError =>
  typeof (value as SerializedError | undefined)?.message === 'string' ? (value as SerializedError) : { name: 'Error', kind: 'application', message: 'unknown', retryable: false };

registerErrorKind('terminal', (s) => new TerminalError(s.message, { data: d(s) }));
registerErrorKind('input-validation', (s) => new InputValidationError(str(d(s).agent), list(d(s).issues)));
registerErrorKind('output-validation', (s) => new OutputValidationError(str(d(s).target), list(d(s).issues)));
registerErrorKind('tool-input', (s) => new ToolInputError(str(d(s).tool), list(d(s).issues)));
registerErrorKind('unknown-tool', (s) => new UnknownToolError(str(d(s).tool), list(d(s).available)));
registerErrorKind('missing-implementation', (s) => new MissingImplementationError(str(d(s).target), list(d(s).registered)));
registerErrorKind('non-determinism', (s) => new NonDeterminismError(Number(d(s).position), str(d(s).expected), str(d(s).actual)));
registerErrorKind('config', (s) => new ConfigError(s.message, d(s)));
registerErrorKind('capability', (s) => Object.assign(new CapabilityError(str(d(s).driver), str(d(s).capability), ''), { message: s.message }));
registerErrorKind('missing-api-key', (s) => new MissingApiKeyError(str(d(s).provider), str(d(s).variable)));
registerErrorKind('provider', (s) => {
  const data = d(s);
  return new ProviderError(data.errorClass as ProviderErrorClass, s.message, {
    provider: str(data.provider),
    model: str(data.model),
    ...(typeof data.status === 'number' ? { status: data.status } : {}),
    ...(s.retryAfterMs === undefined ? {} : { retryAfterMs: s.retryAfterMs }),
  });
});
registerErrorKind('run-not-found', (s) => new RunNotFoundError(str(d(s).runId)));
registerErrorKind('run-conflict', (s) => Object.assign(new RunConflictError(str(d(s).runId), ''), { message: s.message }));
registerErrorKind('run-failed', (s) => Object.assign(new RunFailedError(str(d(s).runId), cause(d(s).error), list(d(s).compensations)), { message: s.message }));
registerErrorKind('run-dead-lettered', (s) => Object.assign(new RunDeadLetteredError(str(d(s).runId), d(s).stepId === undefined ? undefined : str(d(s).stepId), cause(d(s).error)), { message: s.message }));
registerErrorKind('result-timeout', (s) => new ResultTimeoutError(str(d(s).runId), Number(d(s).timeoutMs)));
registerErrorKind('run-ended', (s) => new RunEndedError(str(d(s).runId), d(s).status === 'failed' ? 'failed' : 'completed', str(d(s).action)));
registerErrorKind('worker-crash', (s) => new WorkerCrashError(s.message));
registerErrorKind('usage', (s) => new UsageError(s.message, d(s)));
registerErrorKind('signal-payload', (s) => new SignalPayloadError(str(d(s).signal), list(d(s).issues)));

export interface BudgetUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  costUsd: number;
}

/** A completion was refused because it could exceed what is left of the run's budget. Terminal. */
export class BudgetExceededError extends RatchetError {
  readonly stepId: string;
  readonly limit: string;
  constructor(stepId: string, limit: string, detail: string) {
    super('budget-exceeded', `Budget exceeded at ${stepId}: ${limit} ${detail}`, { data: { stepId, limit } });
    this.name = 'BudgetExceededError';
    this.stepId = stepId;
    this.limit = limit;
  }
}

/** The request cannot fit the context window of any model on its route; nothing was called. Terminal. */
export class ContextWindowExceededError extends RatchetError {
  readonly stepId: string;
  readonly estimatedTokens: number;
  constructor(stepId: string, estimatedTokens: number, windows: Record<string, number>) {
    super(
      'context-window-exceeded',
      `Context window exceeded at ${stepId}: about ${estimatedTokens} tokens do not fit ${Object.entries(windows).map(([model, size]) => `${model} (${size})`).join(', ')}`,
      { data: { stepId, estimatedTokens, windows } },
    );
    this.name = 'ContextWindowExceededError';
    this.stepId = stepId;
    this.estimatedTokens = estimatedTokens;
  }
}

/** A model kept asking for tools with malformed or invalid arguments past the allowed repairs. Terminal. */
export class ToolCallError extends RatchetError {
  readonly tool: string;
  constructor(tool: string, problem: string, repairs: number) {
    super('tool-call', `The model's call to "${tool}" is still invalid after ${repairs} repair(s): ${problem}`, { data: { tool, problem, repairs } });
    this.name = 'ToolCallError';
    this.tool = tool;
  }
}

registerErrorKind('budget-exceeded', (s) => Object.assign(new BudgetExceededError(str(d(s).stepId), str(d(s).limit), ''), { message: s.message }));
registerErrorKind('context-window-exceeded', (s) =>
  Object.assign(new ContextWindowExceededError(str(d(s).stepId), Number(d(s).estimatedTokens), (d(s).windows ?? {}) as Record<string, number>), { message: s.message, data: d(s) }),
);
registerErrorKind('tool-call', (s) => Object.assign(new ToolCallError(str(d(s).tool), str(d(s).problem), Number(d(s).repairs)), { message: s.message }));
