import type { Client } from '@temporalio/client';
// A CommonJS package: its namespaces come off the default export.
import proto from '@temporalio/proto';

const { temporal } = proto;
import type { StoredBytes } from '../../harness/bench-side.ts';

/**
 * What Temporal stored for a run: its whole history, each event encoded as the protobuf the server
 * keeps (payloads included), summed. Temporal has no pages to count.
 */
export async function historyBytes(client: Client, run: () => Promise<string>): Promise<StoredBytes> {
  const runId = await run();
  const { events } = await client.workflow.getHandle(runId).fetchHistory();
  let payload = 0;
  for (const event of events ?? []) payload += temporal.api.history.v1.HistoryEvent.encode(event).finish().length;
  return { payload };
}
