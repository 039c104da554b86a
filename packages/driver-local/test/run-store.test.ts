import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../src/database.ts';
import { RunStore } from '../src/run-store.ts';

// The races between an execution in flight and what clients write meanwhile, taken one interleaving
// at a time on the real SQLite store: each is a window a worker process can only hit by chance.
describe('local run store: an execution in flight does not sleep through what arrived meanwhile', () => {
  const lease = 60_000;
  const claimOne = (store: RunStore, now: number) => store.claim('worker-1', ['mover'], now, lease, 1);
  const started = (runId: string) => {
    const store = new RunStore(openDatabase(':memory:'));
    store.insertRun({ runId, agent: 'mover', input: {}, inputDigest: 'digest', seed: 'seed' }, 1_000);
    const [claimed] = claimOne(store, 1_000);
    assert.equal(claimed?.id, runId);
    return { store, seen: claimed.signalVersion };
  };

  it('a migration request made while the run executes makes its wait due at once', () => {
    const { store, seen } = started('race-migration');
    store.requestMigration('race-migration', 'temporal', 1_001); // the run is 'running': nothing to wake yet
    store.suspend('race-migration', 'worker-1', undefined, seen, 1_002); // it looked before the request landed
    assert.equal(claimOne(store, 1_003)[0]?.id, 'race-migration', 'the next execution finds the request and stops the run');
  });

  it('a signal sent while the run executes makes its wait due at once', () => {
    const { store, seen } = started('race-signal');
    store.signal('race-signal', 'go', { ok: true }, 1_001);
    store.suspend('race-signal', 'worker-1', undefined, seen, 1_002);
    assert.equal(claimOne(store, 1_003)[0]?.id, 'race-signal');
  });

  it('with nothing new, a run waiting on a signal stays asleep', () => {
    const { store, seen } = started('race-none');
    store.suspend('race-none', 'worker-1', undefined, seen, 1_002);
    assert.deepEqual(claimOne(store, 10_000), []);
  });
});
