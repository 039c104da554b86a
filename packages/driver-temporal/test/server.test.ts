import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ConfigError, EngineStartError } from '@ratchet/core';
import { startTemporalServer } from '../src/index.ts';

describe('temporal server helper', () => {
  it('says how to install the Temporal CLI when it is not there', async () => {
    await assert.rejects(startTemporalServer({ binary: '/nonexistent/temporal' }), (error: unknown) => error instanceof ConfigError && /No Temporal CLI at \/nonexistent\/temporal: run `bash scripts\/engines\/install-temporal\.sh`/.test(error.message));
  });

  it('names the address and ends with the log saying why, when the dev server exits during startup (its port is taken)', async () => {
    // It holds the port and hangs up on whoever connects: the helper's probes, here.
    const taken = createServer((socket) => socket.destroy()).listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as AddressInfo;
    try {
      await assert.rejects(startTemporalServer({ port }), (error: unknown) => {
        assert.ok(error instanceof EngineStartError, String(error));
        assert.deepEqual([error.kind, error.engine, error.address], ['engine-start', 'Temporal dev server', `127.0.0.1:${port}`]);
        assert.match(error.message, new RegExp(`^Temporal dev server at 127\\.0\\.0\\.1:${port} exited during startup \\(code 1\\); its log ends:\\n`));
        assert.match(error.logTail, new RegExp(`listen tcp 127\\.0\\.0\\.1:${port}: bind: address already in use`));
        return true;
      });
    } finally {
      taken.close();
    }
  });
});
