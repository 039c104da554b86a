import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactSecrets } from '../src/index.ts';

describe('redactSecrets', () => {
  it('removes each given secret verbatim', () => {
    assert.equal(redactSecrets('key local-secret-1 and local-secret-1 again', ['local-secret-1']), 'key [redacted] and [redacted] again');
  });

  it('removes OpenAI and Anthropic key shapes, whole or masked', () => {
    assert.equal(redactSecrets('bad key sk-proj-abc123DEF456', []), 'bad key [redacted]');
    assert.equal(redactSecrets('bad key sk-ant-api03-abc_def-123', []), 'bad key [redacted]');
    assert.equal(
      redactSecrets('Incorrect API key provided: sk-tes**********cdef. You can find', []),
      'Incorrect API key provided: [redacted]. You can find',
    );
  });

  it('removes other masked echoes and bearer tokens', () => {
    assert.equal(redactSecrets('provided: loc*********-xyz.', []), 'provided: [redacted].');
    assert.equal(redactSecrets('header Authorization: Bearer abc.def', []), 'header Authorization: [redacted]');
  });

  it('leaves ordinary text alone', () => {
    const text = 'openai:gpt-4o-mini failed (rate-limited): 429 Rate limit reached, try again in 2s.';
    assert.equal(redactSecrets(text, ['']), text);
  });
});
