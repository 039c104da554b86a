import { spawn } from 'node:child_process';
import { basename } from 'node:path';

/** How a worker process ended: an exit code, or the signal that killed it. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A worker running as a child process, to be killed at a chosen point. */
export interface WorkerProcess {
  readonly pid: number;
  readonly name: string;
  /**
   * Resolves when the process has ended and its output has been read to the end (cut off 2 s after
   * it ended if a grandchild still holds its stdout or stderr open).
   */
  readonly exited: Promise<WorkerExit>;
  /** Everything the worker wrote to stdout and stderr so far, interleaved as it arrived. */
  output(): string;
  /**
   * Resolves with the first match of `pattern` in the output so far (output from before the call
   * counts). Rejects with the output so far if the worker ends without a match or after `timeoutMs`
   * (default 10 000).
   */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /**
   * Sends `signal` (default SIGKILL) before returning, then resolves when the process is gone.
   * Idempotent: on an ended worker it just resolves with how it ended.
   */
  kill(signal?: NodeJS.Signals): Promise<WorkerExit>;
}

const defaultWaitMs = 10_000;
// After the worker dies, a grandchild holding its stdout open would keep `exited` pending forever.
const outputDrainMs = 2_000;

const running = new Set<WorkerProcess>();
let exitHookInstalled = false;
let spawnedCount = 0;

/**
 * Runs `process.execPath entry ...args` as a child process with stdout and stderr piped and `env`
 * merged over `process.env`. The child is SIGKILLed if this process exits first, so a failed test
 * leaves no orphan (also call `stopAll()` in an `after` hook).
 *
 * @example
 * const worker = spawnWorker('examples/worker.ts', { env: { WORLD_URL: world.url } });
 * await worker.waitForOutput(/worker ready/);
 */
export function spawnWorker(
  entry: string,
  options: { args?: string[]; env?: Record<string, string>; cwd?: string; name?: string } = {},
): WorkerProcess {
  installExitHook();
  spawnedCount += 1;
  const name = options.name ?? `${basename(entry)}#${spawnedCount}`;
  // A worker is not a test file: an inherited NODE_TEST_CONTEXT would make node:test inside it misbehave.
  const { NODE_TEST_CONTEXT: _testContext, ...parentEnv } = process.env;
  const child = spawn(process.execPath, [entry, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...parentEnv, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Without a listener a spawn failure would crash the test process instead of failing the test.
  child.on('error', () => {});
  if (child.pid === undefined) {
    throw new Error(`Could not spawn worker ${name}: ${process.execPath} ${entry} (cwd ${options.cwd ?? process.cwd()})`);
  }
  const pid = child.pid;

  let output = '';
  const outputListeners = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      output += chunk;
      for (const listener of [...outputListeners]) listener();
    });
  }

  child.once('exit', () => {
    running.delete(worker);
    const drain = setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, outputDrainMs);
    child.once('close', () => clearTimeout(drain));
  });
  const exited = new Promise<WorkerExit>((resolve) => {
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal }));
  });
  let ended: WorkerExit | undefined;
  void exited.then((exit) => {
    ended = exit;
    for (const listener of [...outputListeners]) listener();
  });

  const worker: WorkerProcess = {
    pid,
    name,
    exited,
    output: () => output,
    waitForOutput(pattern, timeoutMs = defaultWaitMs) {
      // A global or sticky regex keeps state between matches; a plain copy matches from the start.
      const matcher = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
      return new Promise<RegExpMatchArray>((resolve, reject) => {
        const finish = (settle: () => void): void => {
          outputListeners.delete(check);
          clearTimeout(timer);
          settle();
        };
        const check = (): void => {
          const match = output.match(matcher);
          if (match) return finish(() => resolve(match));
          if (ended) {
            const how = ended.signal ? `signal ${ended.signal}` : `code ${ended.code}`;
            finish(() => reject(new Error(`Worker ${name} ended (${how}) before printing ${pattern}. Output:\n${output}`)));
          }
        };
        const timer = setTimeout(() => {
          finish(() => reject(new Error(`Worker ${name} did not print ${pattern} within ${timeoutMs} ms. Output:\n${output}`)));
        }, timeoutMs);
        outputListeners.add(check);
        check();
      });
    },
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  running.add(worker);
  return worker;
}

/** SIGKILLs every worker spawned and not yet ended, and resolves when they are gone. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((worker) => worker.kill('SIGKILL')));
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous; kill(2) is, which is all a dead parent can still do.
  process.on('exit', () => {
    for (const worker of running) void worker.kill('SIGKILL');
  });
}
