import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, EngineStartError } from '@ratchet/core';
import { startRestateServer } from '../src/server.ts';

describe('restate server helper', () => {
  it('says how to install restate-server when it is not there', async () => {
    await assert.rejects(startRestateServer({ binary: '/nonexistent/restate-server' }), (error: unknown) => error instanceof ConfigError && /is not installed at \/nonexistent\/restate-server: run `bash scripts\/engines\/install-restate\.sh`/.test(error.message));
  });

  it('names the addresses and ends with the log saying why, when restate-server exits during startup (a bad configuration value)', async () => {
    await assert.rejects(startRestateServer({ extraConfig: 'message-size-limit = "lots"' }), (error: unknown) => {
      assert.ok(error instanceof EngineStartError, String(error));
      assert.deepEqual([error.kind, error.engine], ['engine-start', 'Restate']);
      assert.match(error.address, /^http:\/\/127\.0\.0\.1:\d+ \(admin\) and http:\/\/127\.0\.0\.1:\d+ \(ingress\)$/);
      assert.ok(error.message.startsWith(`Restate at ${error.address} exited during startup (code 1); its log ends:\n`), error.message);
      assert.match(error.logTail, /invalid value string "lots", expected a human-readable byte count string for key "default\.worker\.invoker\.message-size-limit"/);
      return true;
    });
  });
});
