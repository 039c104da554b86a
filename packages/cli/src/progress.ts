import ora from 'ora';

export interface Progress {
  update(text: string): void;
  done(text: string): void;
  fail(text: string): void;
}

/**
 * A spinner on stderr for long operations (a migration waits for a worker to reach a safe point).
 * Off with `--json` and when stderr is not a terminal, so scripts and logs get only the result.
 */
export function startProgress(text: string, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { update: () => {}, done: () => {}, fail: () => {} };
  const spinner = ora({ text, stream: process.stderr }).start();
  return {
    update: (next) => {
      spinner.text = next;
    },
    done: (final) => void spinner.succeed(final),
    fail: (final) => void spinner.fail(final),
  };
}
