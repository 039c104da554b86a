// Runs inside Temporal's workflow sandbox: imports only @temporalio/workflow and @ratchet/core.
import { ExecutionInterrupt } from '@ratchet/core';
import { workflowInfo } from '@temporalio/workflow';

/**
 * Decides where a long run continues as new. Every step the run takes past its journal prefix goes
 * through `step`; once the history this run added since its first such step has passed either
 * threshold, the next step that starts with nothing else of the run in flight (a step boundary)
 * throws an `ExecutionInterrupt('abandon')` instead of running, and so does every step after it.
 * The workflow catches it and continues as new; the step runs in the next run.
 *
 * Measured from the run's first own step, so the journal a continued run loaded does not count:
 * however long the journal, each run takes its share of steps. Waiting for quiescence means no
 * step is ever cut in flight (an effect would run again, a timer would start over); an agent that
 * always keeps a step pending never reaches a boundary. The numbers come from the workflow task
 * (`historyLength`, `historySize`), the same on every replay, so replays decide the same way; the
 * commands of the current task are not in them yet, so each step started in it counts as one event.
 */
export class HistoryLimit {
  readonly #maxEvents: number;
  readonly #maxBytes: number;
  #start: { length: number; size: number } | undefined;
  #taskLength = -1;
  #stepsThisTask = 0;
  #inFlight = 0;
  #reached: ExecutionInterrupt | undefined;

  constructor(limits: { events: number; bytes: number }) {
    this.#maxEvents = limits.events;
    this.#maxBytes = limits.bytes;
  }

  async step<T>(run: () => Promise<T>): Promise<T> {
    if (this.#reached) throw this.#reached;
    const { historyLength, historySize } = workflowInfo();
    if (historyLength !== this.#taskLength) {
      this.#taskLength = historyLength;
      this.#stepsThisTask = 0;
    }
    this.#start ??= { length: historyLength, size: historySize };
    const events = historyLength + this.#stepsThisTask - this.#start.length;
    this.#stepsThisTask += 1;
    if (this.#inFlight === 0 && (events >= this.#maxEvents || historySize - this.#start.size >= this.#maxBytes)) {
      throw (this.#reached = new ExecutionInterrupt('abandon'));
    }
    this.#inFlight += 1;
    try {
      return await run();
    } finally {
      this.#inFlight -= 1;
    }
  }
}
