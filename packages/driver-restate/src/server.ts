import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import { ConfigError, EngineStartError } from '@ratchet/core';

/** The restate-server version `scripts/engines/install-restate.sh` installs. */
export const restateServerVersion = process.env.RATCHET_RESTATE_VERSION ?? '1.7.12';

export interface RestateServerOptions {
  /** The binary; default `$RATCHET_RESTATE_SERVER`, else where the install script caches it. */
  binary?: string;
  /** The largest message Restate accepts (`worker.invoker.message-size-limit`); production default 32 MiB. */
  messageSizeLimitBytes?: number;
  /** Extra TOML appended to the generated configuration. */
  extraConfig?: string;
  /** An ed25519 private key (PKCS#8 PEM) the server signs its requests to endpoints with (`request-identity-private-key-pem-file`). */
  requestIdentityPrivateKeyPem?: string;
}

export interface RestateServer {
  readonly ingressUrl: string;
  readonly adminUrl: string;
  /** The server's data directory (fresh per start) and its log, `server.log`, inside it. */
  readonly baseDir: string;
  /** The server process; a new one after `restart()`. */
  readonly pid: number;
  /** SIGTERM, then SIGKILL if it is not gone within 5 s; removes the data directory. */
  stop(): Promise<void>;
  /** SIGKILL, keeping the data directory (to restart on it and test recovery, say). */
  kill(): Promise<void>;
  /** SIGKILL (if it still runs), then start it again on the same data and ports; resolves once it is ready. */
  restart(): Promise<void>;
}

/**
 * Starts restate-server itself (not the npm package's Node wrapper, which would not pass a kill
 * on) on 127.0.0.1 with free ports and a fresh data directory, and resolves once its admin API and
 * ingress answer. The configuration is tuned for tests; each value says what it replaces.
 *
 * @example
 * const server = await startRestateServer();
 * const driver = restateDriver({ ingressUrl: server.ingressUrl, adminUrl: server.adminUrl });
 */
export async function startRestateServer(options: RestateServerOptions = {}): Promise<RestateServer> {
  const binary = options.binary ?? process.env.RATCHET_RESTATE_SERVER ?? restateBinary();
  if (!existsSync(binary)) {
    throw new ConfigError(`restate-server ${restateServerVersion} is not installed at ${binary}: run \`bash scripts/engines/install-restate.sh\``);
  }
  const baseDir = mkdtempSync(join(tmpdir(), 'ratchet-restate-'));
  // get-port keeps a port it handed out from being handed out again in this process for a while.
  const [ingressPort, adminPort, nodePort] = [await freePort(), await freePort(), await freePort()];
  const config = join(baseDir, 'restate.toml');
  const identityKeyFile = options.requestIdentityPrivateKeyPem === undefined ? undefined : join(baseDir, 'request-identity.pem');
  if (identityKeyFile) writeFileSync(identityKeyFile, options.requestIdentityPrivateKeyPem!, { mode: 0o600 });
  writeFileSync(config, configuration({ baseDir, ingressPort: ingressPort!, adminPort: adminPort!, nodePort: nodePort!, identityKeyFile, ...options }));
  let running = launch(binary, config, baseDir);
  const server: RestateServer = {
    ingressUrl: `http://127.0.0.1:${ingressPort}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    baseDir,
    get pid() {
      return running.child.pid!;
    },
    async stop() {
      await terminate(running.child, running.exited);
      rmSync(baseDir, { recursive: true, force: true });
    },
    async kill() {
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
      await running.exited;
    },
    async restart() {
      await server.kill();
      running = launch(binary, config, baseDir);
      await readyOrKilled(server, running.child);
    },
  };
  await readyOrKilled(server, running.child);
  return server;
}

/** One restate-server process on the configuration (and so the ports and data) given. */
function launch(binary: string, config: string, baseDir: string): { child: ChildProcess; exited: Promise<void> } {
  const log = openSync(join(baseDir, 'server.log'), 'a');
  const child = spawn(binary, ['--config-file', config, '--no-logo', '--listen-mode', 'tcp'], { stdio: ['ignore', log, log] });
  // A test process that dies must not leave its server behind ('exit' handlers must be synchronous; kill is).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  return { child, exited };
}

async function readyOrKilled(server: RestateServer, child: ChildProcess): Promise<void> {
  try {
    await waitUntilReady(server, child);
  } catch (error) {
    await server.kill();
    throw error;
  }
}

/** Where scripts/engines/install-restate.sh puts the restate-server binary. */
export function restateBinary(): string {
  const cache = process.env.RATCHET_CACHE_DIR ?? join(homedir(), '.cache', 'ratchet');
  return join(cache, 'restate', restateServerVersion, 'restate-server');
}

function configuration(settings: RestateServerOptions & { baseDir: string; ingressPort: number; adminPort: number; nodePort: number; identityKeyFile: string | undefined }): string {
  const messageSizeLimit = settings.messageSizeLimitBytes === undefined ? '' : `message-size-limit = "${settings.messageSizeLimitBytes} B"`;
  const identityKey = settings.identityKeyFile === undefined ? '' : `request-identity-private-key-pem-file = "${settings.identityKeyFile}"`;
  return `
cluster-name = "ratchet-test"
base-dir = "${settings.baseDir}"
bind-address = "127.0.0.1:${settings.nodePort}"
advertised-address = "http://127.0.0.1:${settings.nodePort}/"
disable-telemetry = true
log-filter = "warn"
# production default 24: two partitions start faster and are plenty for one test file
default-num-partitions = 2
# production default 2 GiB: several test servers may run side by side
rocksdb-total-memory-size = "256 MiB"

[ingress]
bind-address = "127.0.0.1:${settings.ingressPort}"

[admin]
bind-address = "127.0.0.1:${settings.adminPort}"
disable-web-ui = true

# How Restate retries an invocation that failed without a delay of its own: a worker killed mid-step,
# or no worker listening yet. Production default: 500ms initial, x2, at most 1m apart, 70 attempts,
# then pause. Tests retry within half a second so a replacement worker takes over at once; the
# attempts and the pause stay as in production.
[default-retry-policy]
initial-interval = "50ms"
exponentiation-factor = 2.0
max-interval = "500ms"
max-attempts = 70
on-max-attempts = "pause"

[worker.invoker]
${messageSizeLimit}
${identityKey}

${settings.extraConfig ?? ''}
`;
}

const startTimeoutMs = 60_000;

async function waitUntilReady(server: RestateServer, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  const where = () => ({ engine: 'Restate', address: `${server.adminUrl} (admin) and ${server.ingressUrl} (ingress)`, log: readLog(server.baseDir) });
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new EngineStartError({ ...where(), exit: { code: child.exitCode, signal: child.signalCode } });
    }
    // The health endpoints answer a moment before every partition has a leader; a query over all
    // of them succeeds only once they do.
    if ((await ok(`${server.adminUrl}/health`)) && (await ok(`${server.ingressUrl}/restate/health`)) && (await queryable(server.adminUrl))) return;
    if (Date.now() > deadline) throw new EngineStartError({ ...where(), timeoutMs: startTimeoutMs });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Each probe is bounded, so a port held by something that never answers cannot hang the start.
const probeTimeoutMs = 5_000;

async function queryable(adminUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${adminUrl}/query`, {
      signal: AbortSignal.timeout(probeTimeoutMs),
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: 'SELECT id FROM sys_invocation LIMIT 1' }),
    });
    return response.ok;
  } catch {
    return false;
  }
}

async function ok(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(probeTimeoutMs) })).ok;
  } catch {
    return false;
  }
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function readLog(baseDir: string): string {
  try {
    return readFileSync(join(baseDir, 'server.log'), 'utf8');
  } catch {
    return '';
  }
}

/** One free port (for a worker endpoint, say). */
export function freePort(): Promise<number> {
  return getPort({ host: '127.0.0.1' });
}
