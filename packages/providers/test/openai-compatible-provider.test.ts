import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MissingApiKeyError, type ModelRequest } from '@ratchet/core';
import { startModelServer, type ModelServer } from '@ratchet/testing';
import { openaiCompatible } from '../src/index.ts';
import { failure } from './failure.ts';
import { withEnv } from './with-env.ts';

let server: ModelServer;

before(async () => {
  server = await startModelServer();
});
after(() => server.close());
beforeEach(() => server.reset());

const ask = (content: string): ModelRequest => ({ model: 'llama3.2', messages: [{ role: 'user', content }], maxOutputTokens: 64 });

describe('openaiCompatible provider', () => {
  it('calls any OpenAI-style endpoint under its own id, sending max_tokens', async () => {
    server.script({ text: 'hello from a local model' });
    const completion = await openaiCompatible({ id: 'ollama', baseURL: server.openaiBaseURL }).doComplete(ask('hi'), {});
    assert.equal(completion.provider, 'ollama');
    assert.equal(completion.model, 'llama3.2');
    assert.equal(completion.text, 'hello from a local model');
    assert.equal(server.requests[0]?.body.max_tokens, 64);
    assert.equal(server.requests[0]?.body.max_completion_tokens, undefined);
  });

  it('sends no key, organization or project when none is configured', async () => {
    await withEnv({ OPENAI_ORG_ID: 'org-should-stay-home', OPENAI_API_KEY: 'sk-openai-only-0123456789' }, () =>
      openaiCompatible({ id: 'local', baseURL: server.openaiBaseURL }).doComplete(ask('hi'), {}),
    );
    assert.equal(server.requests[0]?.hasApiKey, false);
    assert.equal(server.requests[0]?.headers['openai-organization'], undefined);
  });

  it('reads the key from apiKeyVariable, and names that variable when it is empty', async () => {
    const options = { id: 'gateway', baseURL: server.openaiBaseURL, apiKeyVariable: 'GATEWAY_KEY' };
    await withEnv({ GATEWAY_KEY: 'gateway-secret-value-42' }, () => openaiCompatible(options).doComplete(ask('hi'), {}));
    assert.equal(server.requests[0]?.hasApiKey, true);
    await withEnv({ GATEWAY_KEY: undefined }, () => {
      assert.throws(
        () => openaiCompatible(options),
        (error: unknown) => error instanceof MissingApiKeyError && /"gateway": set GATEWAY_KEY/.test(error.message),
      );
    });
  });

  it('redacts a key that is not shaped like one, whether echoed whole or masked', async () => {
    const key = 'gateway-secret-value-42';
    const provider = openaiCompatible({ id: 'gateway', baseURL: server.openaiBaseURL, apiKey: key });
    server.script({ fault: 'auth' }, { fault: 'bad-request', message: `unknown key ${key}` });
    const masked = await failure(provider.doComplete(ask('hi'), {}));
    const whole = await failure(provider.doComplete(ask('hi'), {}));
    assert.match(masked.message, /Incorrect API key provided: \[redacted\]\./);
    assert.equal(whole.message, 'gateway:llama3.2 failed (bad-request): 400 unknown key [redacted]');
    for (const error of [masked, whole]) assert.ok(!error.message.includes('-42'));
  });
});
