import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import getPort from 'get-port';
import { ConfigError, EngineStartError } from '@ratchet/core';

/** The CLI version `scripts/engines/install-temporal.sh` installs (it embeds server 1.32.0). */
export const temporalCliVersion = '1.9.1';

export interface TemporalServer {
  /** `127.0.0.1:PORT`, the frontend gRPC address for `temporalDriver({ address })`. */
  readonly address: string;
  readonly namespace: string;
  /** The SQLite file holding the server's state; a restart on the same file keeps every run. */
  readonly dbFile: string;
  readonly pid: number;
  /** Stops the server: SIGTERM by default, SIGKILL to simulate a crash. Idempotent. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface TemporalServerOptions {
  /** The `temporal` CLI; default `$RATCHET_TEMPORAL_BIN`, then the install script's cache. */
  binary?: string;
  /** Default: a free port. */
  port?: number;
  /** Default: a fresh file in a new temporary directory. Reuse one to restart on the same state. */
  dbFile?: string;
  namespace?: string;
  /** How long to wait for the frontend to answer; default 30 s. */
  startTimeoutMs?: number;
}

/** Where `scripts/engines/install-temporal.sh` puts the CLI. */
export function defaultTemporalBinary(): string {
  const cache = process.env.RATCHET_CACHE_DIR ?? join(homedir(), '.cache', 'ratchet');
  return join(cache, 'temporal', `venv-${temporalCliVersion}`, 'bin', 'temporal');
}

/**
 * Starts a real Temporal dev server (`temporal server start-dev`) on 127.0.0.1 with its own SQLite
 * file, for tests and local development, and resolves once its frontend answers. The server dies
 * with this process if the caller never stops it.
 *
 * @example
 * const server = await startTemporalServer();
 * const driver = temporalDriver({ address: server.address, agentModules: ['./src/agents.ts'] });
 * // ...
 * await server.stop();
 */
export async function startTemporalServer(options: TemporalServerOptions = {}): Promise<TemporalServer> {
  const binary = options.binary ?? process.env.RATCHET_TEMPORAL_BIN ?? defaultTemporalBinary();
  if (!existsSync(binary)) {
    throw new ConfigError(`No Temporal CLI at ${binary}: run \`bash scripts/engines/install-temporal.sh\` (or set RATCHET_TEMPORAL_BIN)`);
  }
  const port = options.port ?? (await getPort({ host: '127.0.0.1' }));
  const dbFile = options.dbFile ?? join(mkdtempSync(join(tmpdir(), 'ratchet-temporal-')), 'temporal.db');
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', dbFile, '--log-level', 'error'];
  if (namespace !== 'default') args.push('--namespace', namespace);
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, child, options.startTimeoutMs ?? 30_000, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return {
    address,
    namespace,
    dbFile,
    pid: child.pid!,
    async stop(signal = 'SIGTERM') {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new EngineStartError({ engine: 'Temporal dev server', address, log: stderr(), exit: { code: child.exitCode, signal: child.signalCode } });
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        // The namespace is registered a moment after the frontend starts listening. Bounded, so a
        // server that accepts but does not answer cannot hold the start past its timeout.
        await connection.withDeadline(Math.min(deadline, Date.now() + 2_000), () => connection.workflowService.describeNamespace({ namespace: 'default' }));
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new EngineStartError({ engine: 'Temporal dev server', address, log: stderr(), timeoutMs, ...(lastError === undefined ? {} : { reason: String(lastError) }) });
}
