import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { ConfigError, createClient, EngineRequestError, type RatchetClient } from '@ratchet/core';
import { createWorker } from '@ratchet/core/worker';
import { startWorldService, type WorldService } from '@ratchet/testing';
import { requestIdentityPublicKey, restateDriver } from '../src/index.ts';
import { freePort, startRestateServer, type RestateServer } from '../src/server.ts';
import { versionAgent } from './fixtures/agents.ts';
import { fixtureImplementations } from './fixtures/implementations.ts';

const privateKeyPem = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** One HTTP/2 request to an endpoint, as a stranger would make it: no signature. */
function unsignedRequest(url: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on('error', reject);
    const request = session.request({ ':method': 'GET', ':path': path, accept: 'application/vnd.restate.endpointmanifest.v3+json' });
    request.on('response', (headers) => {
      request.resume(); // read the answer to its end, so the session can close
      request.on('end', () => session.close(() => resolve(Number(headers[':status']))));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('restate request identity', () => {
  const serverKey = privateKeyPem();
  const publicKey = requestIdentityPublicKey(serverKey);
  let server: RestateServer;
  let world: WorldService;
  let client: RatchetClient;

  before(async () => {
    // At info the server logs the key it loaded, which the test compares with the one derived here.
    process.env.RESTATE_LOG_FILTER = 'info';
    try {
      [server, world] = await Promise.all([startRestateServer({ requestIdentityPrivateKeyPem: serverKey }), startWorldService()]);
    } finally {
      delete process.env.RESTATE_LOG_FILTER;
    }
    client = await createClient(restateDriver({ ingressUrl: server.ingressUrl, adminUrl: server.adminUrl, pollIntervalMs: 50 }));
  });
  after(async () => {
    await client?.close();
    await world?.close();
    await server?.stop();
  });

  it('derives the public key restate-server logs for its private key', () => {
    assert.match(publicKey, /^publickeyv1_[1-9A-HJ-NP-Za-km-z]{40,}$/);
    assert.ok(readFileSync(`${server.baseDir}/server.log`, 'utf8').includes(publicKey), 'the server loaded the same key');
    assert.throws(() => requestIdentityPublicKey('not a key'), ConfigError);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.throws(() => requestIdentityPublicKey(rsa), /Restate signs with ed25519/);
  });

  it("runs steps for its own server and refuses a stranger's request", async () => {
    const endpointPort = await freePort();
    const driver = restateDriver({ ingressUrl: server.ingressUrl, adminUrl: server.adminUrl, endpointPort, identityKeys: [publicKey] });
    const worker = await createWorker(driver, { agents: [versionAgent], implementations: fixtureImplementations(world.url, 'v1') });
    await worker.start();
    try {
      assert.deepEqual(await (await client.start(versionAgent, {}, { runId: 'signed-1' })).result({ timeoutMs: 60_000 }), { version: 'v1' });
      assert.equal(await unsignedRequest(`http://127.0.0.1:${endpointPort}`, '/discover'), 401);
      assert.equal(await unsignedRequest(`http://127.0.0.1:${endpointPort}`, '/invoke/ratchet.version/run'), 401);
      // Nothing of the server's secret reaches the run's journal.
      const secret = serverKey.split('\n')[1]!;
      assert.ok(!JSON.stringify(await client.journal('signed-1')).includes(secret));
    } finally {
      await worker.stop();
    }
  });

  it("does not register with a server whose key the worker does not list", async () => {
    const driver = restateDriver({
      ingressUrl: server.ingressUrl,
      adminUrl: server.adminUrl,
      endpointPort: await freePort(),
      identityKeys: [requestIdentityPublicKey(privateKeyPem())],
    });
    const worker = await createWorker(driver, { agents: [versionAgent], implementations: fixtureImplementations(world.url, 'v1') });
    try {
      // The server's discovery request is refused (401), so the admin API refuses the registration.
      await assert.rejects(worker.start(), (error: unknown) => error instanceof EngineRequestError && /401|Unauthorized/i.test(error.message));
    } finally {
      await worker.stop();
    }
  });

  it('refuses an identity key that is not one, naming the option', () => {
    assert.throws(() => restateDriver({ identityKeys: ['ssh-ed25519 AAAA'] }), /identityKeys/);
  });
});
