import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, ExecutionInterrupt } from '@ratchet/core';
import { openDatabase } from '../src/database.ts';
import { localDriver } from '../src/index.ts';
import { RunStore } from '../src/run-store.ts';

// What only the local driver has; its behaviour as a driver is proven by the conformance suite.
describe('local driver specifics', () => {
  it('names a bad option and lists the valid ones', () => {
    assert.throws(() => localDriver({ path: 'x.db', leaseMS: 5 } as never), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /Valid options: path, leaseMs, pollIntervalMs, synchronous/);
      return true;
    });
  });

  it('fences writes: a worker whose lease was taken over cannot journal or finish the run', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ratchet-fence-')), 'runs.db');
    const a = new RunStore(openDatabase(path));
    const b = new RunStore(openDatabase(path));
    a.insertRun({ runId: 'r', agent: 'agent', input: {}, inputDigest: 'd', seed: 's' }, 0);
    const now = Date.now();
    assert.equal(a.claim('worker-a', ['agent'], now, 100, 1).length, 1);
    assert.equal(b.claim('worker-b', ['agent'], now + 10, 100, 1).length, 0, 'the lease is held');
    assert.equal(b.claim('worker-b', ['agent'], now + 200, 100, 1).length, 1, 'an expired lease is taken over');
    assert.throws(
      () => a.beginAttempt('r', 'worker-a', 0, 'step:x#1', now + 201),
      (error: unknown) => ExecutionInterrupt.isInstance(error) && error.reason === 'abandon',
    );
    assert.equal(a.renewLease('r', 'worker-a', now + 202, 100), false);
    assert.equal(b.beginAttempt('r', 'worker-b', 0, 'step:x#1', now + 203), 1);
  });
});
