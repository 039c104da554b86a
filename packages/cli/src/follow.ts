import { createLogUpdate } from 'log-update';

export interface Frame {
  text: string;
  /** Stop after drawing this frame. */
  ended: boolean;
}

/**
 * Draws `read()` again every `intervalMs` until a frame says the thing it shows has ended: in place
 * on a terminal (log-update), and as a new block each time it changes when the output is a file or a
 * pipe, so a log keeps every state once and a script sees each change as it lands.
 */
export async function follow(read: () => Promise<Frame>, options: { intervalMs: number; out: (text: string) => void; terminal: boolean }): Promise<void> {
  const draw = options.terminal ? createLogUpdate(process.stdout) : undefined;
  let last: string | undefined;
  for (;;) {
    const frame = await read();
    if (frame.text !== last) {
      if (draw) draw(frame.text);
      else options.out(`${frame.text}\n${frame.ended ? '' : '\n'}`);
      last = frame.text;
    }
    if (frame.ended) {
      draw?.done();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}
