import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { describe, it } from 'node:test';
import { EngineRequestError, deserializeError, engineFetch, serializeError } from '../src/index.ts';

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

describe("engineFetch: a driver's HTTP call to its engine", () => {
  it('names the engine, the address and the request when nothing answers', async () => {
    const server = createServer();
    const port = await listen(server);
    await close(server); // nothing listens there now
    const error = await engineFetch('Restate (admin API)', `http://127.0.0.1:${port}/query`, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
    assert.ok(error instanceof EngineRequestError, String(error));
    assert.equal(error.message, `Restate (admin API) at http://127.0.0.1:${port} did not answer POST /query (ECONNREFUSED): is the server running there?`);
    assert.equal(error.retryable, true);
    assert.equal(error.status, undefined);
    const back = deserializeError(serializeError(error));
    assert.ok(back instanceof EngineRequestError);
    assert.deepEqual(serializeError(back), serializeError(error));
  });

  it('carries the status and the answer of an HTTP error', async () => {
    const server = createServer((_request, response) => response.writeHead(503).end('restarting'));
    const port = await listen(server);
    try {
      const error = await engineFetch('Inngest', `http://127.0.0.1:${port}/v1/events`, { method: 'GET' }).catch((e: unknown) => e);
      assert.ok(error instanceof EngineRequestError, String(error));
      assert.equal(error.status, 503);
      assert.equal(error.body, 'restarting');
      assert.match(error.message, new RegExp(`^Inngest at http://127\\.0\\.0\\.1:${port} answered 503 to GET /v1/events: restarting$`));
      const ok = await engineFetch('Inngest', `http://127.0.0.1:${port}/`, { method: 'GET', signal: AbortSignal.abort() }).catch((e: unknown) => e);
      assert.ok(!(ok instanceof EngineRequestError), "the caller's own abort is not the engine's failure");
    } finally {
      await close(server);
    }
  });
});
