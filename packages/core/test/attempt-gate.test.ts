import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttemptGate, attemptAfter } from '../src/runtime/attempt-gate.ts';

describe('attempt gate', () => {
  it('dates a step by the latest record settled before it was issued, not by its siblings', () => {
    const gate = new AttemptGate();
    const first = gate.issue();
    assert.deepEqual(first, { execution: 0, waits: 0 });
    gate.settled(2, first);
    // Promise.all: both issued before either settles; the one that settles in execution 4 is no gate of the other.
    const [a, b] = [gate.issue(), gate.issue()];
    gate.settled(4, a);
    assert.equal('execution' in b && b.execution, 2);
    assert.equal(attemptAfter(b as { execution: number }, 5, 0), 4, 'executions 2, 3, 4 and 5 all tried b');
    gate.settled(5, b);
    assert.deepEqual(gate.issue(), { execution: 5, waits: 0 });
  });

  it('has no known gate after a wait until a record issued after the wait settles', () => {
    const gate = new AttemptGate();
    const before = gate.issue();
    gate.waited();
    gate.settled(3, before); // issued before the wait settled: it does not date the wait
    const after = gate.issue();
    assert.equal('unknown' in after, true);
    gate.settled(6, after);
    assert.deepEqual(gate.issue(), { execution: 6, waits: 1 });
  });

  it('counts from the first execution after a redrive', () => {
    assert.equal(attemptAfter({ execution: 1 }, 4, 0), 4);
    assert.equal(attemptAfter({ execution: 1 }, 4, 3), 1);
    assert.equal(attemptAfter({ execution: 1 }, 6, 3), 3);
    assert.equal(attemptAfter({ execution: 0 }, 1, 0), 1, 'the first step of a run');
  });
});
