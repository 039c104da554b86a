/** Polls `condition` every `intervalMs` until it holds; never part of a timed interval. */
export async function waitUntil(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 300_000, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
