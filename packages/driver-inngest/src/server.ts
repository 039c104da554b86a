import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import { ConfigError, EngineStartError } from '@ratchet/core';

export const inngestVersion = 'v1.43.0';

export interface InngestServerOptions {
  /** The `inngest` binary; default: what `scripts/engines/install-inngest.sh` built (or RATCHET_INNGEST_BIN). */
  binary?: string;
  /** The port of the API, the event endpoint and the UI; default a free one. */
  port?: number;
  /** Data directory (Redis append-only file, SQLite); default a fresh temp dir, removed on stop. */
  dataDir?: string;
  /**
   * Seconds between retries of a failed request (linear). Unset, the server backs off exponentially
   * (seconds, then minutes): the default. Tests pass 1 so a killed worker's step resumes about a second
   * after a new worker is up.
   */
  retryIntervalSeconds?: number;
  /** How often, in ms, the executor polls its queue. Server default 150; tests use 10. */
  tickMs?: number;
  /** Extra output of the server (default: only failures to start are reported). */
  log?: (line: string) => void;
}

export interface InngestServer {
  /** `http://127.0.0.1:PORT`: the API, the event endpoint and the UI. */
  readonly baseUrl: string;
  /** `signkey-prod-HEX`, for the driver's `signingKey`. */
  readonly signingKey: string;
  readonly eventKey: string;
  readonly dataDir: string;
  /** Stops the server (SIGTERM), then Redis, and removes a temp data dir. */
  stop(): Promise<void>;
  /**
   * SIGKILLs the server and its Redis, as a crash would, then starts both again on the same data,
   * ports and keys; resolves once the server answers.
   */
  restart(): Promise<void>;
}

/**
 * Starts a self-hosted `inngest start` on 127.0.0.1 with its queue and run state in a real Redis
 * (Debian's `redis-server`, append-only with fsync on every write, so a killed process loses
 * nothing) and its history in SQLite, both in a fresh data dir; with a new signing key and event key.
 * The dev server (`inngest dev`) is not used here: its in-memory Redis lost runs across a SIGKILL.
 *
 * @example
 * const server = await startInngestServer({ retryIntervalSeconds: 1, tickMs: 10 });
 * const driver = inngestDriver({ baseUrl: server.baseUrl, signingKey: server.signingKey, eventKey: server.eventKey });
 */
export async function startInngestServer(options: InngestServerOptions = {}): Promise<InngestServer> {
  const binary = options.binary ?? process.env.RATCHET_INNGEST_BIN ?? join(homedir(), '.cache', 'ratchet', 'inngest', inngestVersion, 'inngest');
  if (!existsSync(binary)) {
    throw new ConfigError(`No inngest binary at ${binary}: run \`bash scripts/engines/install-inngest.sh\` (builds it once, about 3 minutes)`);
  }
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ratchet-inngest-'));
  mkdirSync(join(dataDir, 'redis'), { recursive: true });
  mkdirSync(join(dataDir, 'sqlite'), { recursive: true });
  // get-port keeps a port it handed out from being handed out again in this process for a while.
  const ports: number[] = [];
  for (let index = 0; index < 4; index++) ports.push(await getPort({ host: '127.0.0.1' }));
  const [redisPort, gatewayPort, gatewayGrpcPort, executorGrpcPort] = ports as [number, number, number, number];
  const port = options.port ?? (await getPort({ host: '127.0.0.1' }));
  const signingHex = randomBytes(32).toString('hex');
  const eventKey = randomBytes(16).toString('hex');
  const children: ChildProcess[] = [];
  const output: string[] = [];
  const launch = (command: string, args: string[]) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        output.push(chunk);
        if (output.length > 200) output.shift();
        options.log?.(chunk);
      });
    }
    child.on('error', (error) => output.push(String(error)));
    return child;
  };
  const stop = async () => {
    for (const child of [...children].reverse()) await terminate(child);
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  const startBoth = async () => {
    const redis = launch('redis-server', [
      '--port', String(redisPort), '--bind', '127.0.0.1', '--dir', join(dataDir, 'redis'),
      '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'no',
    ]);
    await waitUntil(() => redisAnswers(redisPort), redis, { engine: 'Redis (for Inngest)', address: `127.0.0.1:${redisPort}` }, output);
    const server = launch(binary, [
      'start', '--host', '127.0.0.1', '--port', String(port),
      '--redis-uri', `redis://127.0.0.1:${redisPort}`, '--sqlite-dir', join(dataDir, 'sqlite'),
      '--signing-key', signingHex, '--event-key', eventKey,
      '--connect-gateway-port', String(gatewayPort), '--connect-gateway-grpc-port', String(gatewayGrpcPort),
      '--connect-executor-grpc-port', String(executorGrpcPort), '--connect-executor-grpc-ip', '127.0.0.1', '--connect-gateway-grpc-ip', '127.0.0.1',
      ...(options.retryIntervalSeconds === undefined ? [] : ['--retry-interval', String(options.retryIntervalSeconds)]),
      ...(options.tickMs === undefined ? [] : ['--tick', String(options.tickMs)]),
    ]);
    // Bounded, so a port held by something that never answers HTTP cannot hang the start.
    const healthy = async () => (await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined))?.ok === true;
    await waitUntil(healthy, server, { engine: 'Inngest', address: baseUrl }, output);
  };
  const restart = async () => {
    for (const child of children.splice(0).reverse()) await terminate(child, 'SIGKILL');
    await startBoth();
  };

  try {
    await startBoth();
    return { baseUrl, signingKey: `signkey-prod-${signingHex}`, eventKey, dataDir, stop, restart };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntil(ready: () => Promise<boolean>, child: ChildProcess, where: { engine: string; address: string }, output: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new EngineStartError({ ...where, log: output.join(''), exit: { code: child.exitCode, signal: child.signalCode } });
    }
    if (Date.now() > deadline) throw new EngineStartError({ ...where, log: output.join(''), timeoutMs });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.setTimeout(1_000, () => socket.destroy());
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/** Ends a process: SIGTERM, then SIGKILL if it is still there after 5 s; or SIGKILL at once, as a crash. */
async function terminate(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
