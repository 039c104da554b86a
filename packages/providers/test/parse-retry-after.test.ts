import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryAfter } from '../src/parse-retry-after.ts';

describe('parseRetryAfter', () => {
  it('prefers retry-after-ms, then retry-after in seconds', () => {
    assert.equal(parseRetryAfter(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' })), 1500);
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': '2.5' })), 2500);
  });

  it('reads an HTTP date as the time until then, never negative', () => {
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    const wait = parseRetryAfter(new Headers({ 'retry-after': inTenSeconds }));
    assert.ok(wait !== undefined && wait > 8_000 && wait <= 10_000);
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': new Date(0).toUTCString() })), 0);
  });

  it('is undefined without a usable header', () => {
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter(new Headers()), undefined);
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'soon' })), undefined);
  });
});
