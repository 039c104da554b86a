import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError, defineAgent, defineTool, digest, retryDelayMs, resolveRetryPolicy } from '../src/index.ts';

describe('declarations', () => {
  it('refuse names a model API would refuse, and duplicate tools', () => {
    assert.throws(() => defineTool({ name: 'send email', description: '', input: z.object({}), output: z.object({}) }), ConfigError);
    const tool = defineTool({ name: 'send_email', description: 'Send', input: z.object({}), output: z.object({}) });
    assert.throws(
      () => defineAgent({ name: 'a', input: z.object({}), output: z.object({}), tools: [tool, tool], run: async () => ({}) }),
      /declares tool "send_email" twice/,
    );
  });

  it('back off exponentially, capped, and never before a retry-after', () => {
    const policy = resolveRetryPolicy({ initialIntervalMs: 100, backoffCoefficient: 2, maxIntervalMs: 1000 });
    assert.deepEqual([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(policy, attempt)), [100, 200, 400, 800, 1000]);
    assert.equal(retryDelayMs(policy, 1, 5000), 5000);
  });

  it('digest JSON independently of key order', () => {
    assert.equal(digest({ a: 1, b: [1, { c: 2, d: 3 }] }), digest({ b: [1, { d: 3, c: 2 }], a: 1 }));
    assert.notEqual(digest({ a: 1 }), digest({ a: 2 }));
  });

  it('digest a `__proto__` key, which JSON.parse makes an own key, like any other (found by a property test)', () => {
    assert.notEqual(digest(JSON.parse('{"a": {"__proto__": {"x": 1}}}')), digest({ a: {} }));
  });
});
