// A node:test reporter that emits one JSON line per finished test with its suite path, for the
// conformance report. Suites are named `<driver>: <group>`, so the matrix can be rebuilt from it.
interface TestEventData {
  name: string;
  nesting: number;
  file?: string;
  details?: { duration_ms?: number; type?: string; error?: { message?: string; cause?: { message?: string } } };
}

export default async function* reportReporter(source: AsyncIterable<{ type: string; data: TestEventData }>) {
  const stacks = new Map<string, string[]>();
  for await (const event of source) {
    const { data } = event;
    const key = data.file ?? '';
    const stack = stacks.get(key) ?? [];
    stacks.set(key, stack);
    if (event.type === 'test:start') {
      stack.length = data.nesting;
      stack.push(data.name);
    }
    if ((event.type === 'test:pass' || event.type === 'test:fail') && data.details?.type !== 'suite') {
      const error = data.details?.error;
      yield `${JSON.stringify({
        file: key,
        suite: stack.slice(0, data.nesting),
        name: data.name,
        status: event.type === 'test:pass' ? 'pass' : 'fail',
        durationMs: Math.round(data.details?.duration_ms ?? 0),
        ...(error ? { error: (error.cause?.message ?? error.message ?? '').split('\n')[0] } : {}),
      })}\n`;
    }
  }
}
