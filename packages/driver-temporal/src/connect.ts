import { EngineRequestError } from '@ratchet/core';

/**
 * A connection to the Temporal server, or an `EngineRequestError` naming the address: the SDK's
 * own error ("Failed to connect before the deadline") does not say where it looked.
 */
export async function connectTo<C>(address: string, connect: () => Promise<C>): Promise<C> {
  try {
    return await connect();
  } catch (error) {
    throw new EngineRequestError({ engine: 'Temporal', address, operation: 'a connection', reason: error instanceof Error ? error.message : String(error), cause: error });
  }
}
