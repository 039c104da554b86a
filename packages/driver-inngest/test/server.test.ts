import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ConfigError, EngineStartError } from '@ratchet/core';
import { startInngestServer } from '../src/index.ts';

describe('inngest server helper', () => {
  it('says how to build the inngest binary when it is not there', async () => {
    await assert.rejects(startInngestServer({ binary: '/nonexistent/inngest' }), (error: unknown) => error instanceof ConfigError && /No inngest binary at \/nonexistent\/inngest: run `bash scripts\/engines\/install-inngest\.sh`/.test(error.message));
  });

  it('names the address and ends with the log saying why, when inngest start exits during startup (its port is taken)', async () => {
    // It holds the port and never answers: the helper's health probe must not wait on it for ever.
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      await assert.rejects(startInngestServer({ port }), (error: unknown) => {
        assert.ok(error instanceof EngineStartError, String(error));
        assert.deepEqual([error.kind, error.engine, error.address], ['engine-start', 'Inngest', `http://127.0.0.1:${port}`]);
        assert.match(error.message, new RegExp(`^Inngest at http://127\\.0\\.0\\.1:${port} exited during startup \\(code 1\\); its log ends:\\n`));
        assert.match(error.logTail, new RegExp(`listen tcp 127\\.0\\.0\\.1:${port}: bind: address already in use`));
        return true;
      });
    } finally {
      taken.close();
    }
  });
});
