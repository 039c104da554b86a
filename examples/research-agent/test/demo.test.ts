import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const dir = fileURLToPath(new URL('..', import.meta.url));
const withoutKeys = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(OPENAI|ANTHROPIC)_/.test(name) && name !== 'NODE_TEST_CONTEXT'),
);

describe('research-agent demo', () => {
  it('survives the SIGKILL of its worker with every completion asked once and every effect applied once', () => {
    const demo = spawnSync(process.execPath, ['src/demo.ts'], { cwd: dir, env: withoutKeys, encoding: 'utf8', timeout: 180_000 });
    assert.equal(demo.status, 0, demo.stdout + demo.stderr);
    assert.match(demo.stdout, /using the testing kit's local model server/);
    assert.match(demo.stdout, /SIGKILL worker 1/);
    assert.match(demo.stdout, /completions journaled: 2; answers the model server gave: 2 {2}\(none asked twice\); refused with 429: 2/);
    assert.match(demo.stdout, /research: openai:gpt-4o-mini rate-limited → openai:gpt-4o-mini rate-limited → anthropic:claude-sonnet-4-5 answered/);
    assert.match(demo.stdout, /prompt ticket@[0-9a-f]{12}/);
    assert.match(demo.stdout, /tickets filed: 1 \(the retry after the kill sent 2 requests/);
    assert.match(demo.stdout, /emails sent: {3}1/);
    assert.match(demo.stdout, /tool:file_ticket#1 +completed +executed in #2/);
  });

  it('stops a worker without an API key, naming the variable and printing no key', () => {
    const worker = spawnSync(process.execPath, ['src/worker.ts'], {
      cwd: dir,
      env: { ...withoutKeys, WORLD_URL: 'http://127.0.0.1:9', RATCHET_PROVIDERS: 'anthropic,openai', ANTHROPIC_API_KEY: 'sk-ant-secret-123' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.notEqual(worker.status, 0);
    assert.match(worker.stderr, /MissingApiKeyError: No API key for provider "openai": set OPENAI_API_KEY or pass apiKey/);
    assert.doesNotMatch(worker.stdout + worker.stderr, /sk-ant-secret-123/);
  });
});
