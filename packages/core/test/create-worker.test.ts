import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { MissingImplementationError, defineAgent, defineTool } from '../src/index.ts';
import { createDriverFromConfig } from '../src/config/index.ts';
import { createWorker, implement } from '../src/worker/index.ts';

const fileTicket = defineTool({ name: 'file_ticket', description: 'File a ticket', input: z.object({ title: z.string() }), output: z.object({ id: z.string() }) });
const triage = defineAgent({
  name: 'triage',
  input: z.object({ title: z.string() }),
  output: z.object({ id: z.string() }),
  tools: [fileTicket],
  run: async (ctx, input) => ctx.tool(fileTicket, input),
});

describe('createWorker', () => {
  const driver = () => createDriverFromConfig({ driver: 'local', local: { path: join(mkdtempSync(join(tmpdir(), 'ratchet-create-worker-')), 'runs.db') } });

  it("refuses a worker that lacks an implementation of an agent's declared tool, naming both", async () => {
    await assert.rejects(createWorker(await driver(), { agents: [triage] }), (error: unknown) => {
      assert.ok(error instanceof MissingImplementationError, String(error));
      assert.match(error.message, /No implementation registered on this worker for tool "file_ticket" of agent "triage"\. Registered: \(none\)/);
      return true;
    });
  });

  it('creates the worker once every declared tool is implemented', async () => {
    const worker = await createWorker(await driver(), { agents: [triage], implementations: [implement(fileTicket, { execute: async () => ({ id: 'T-1' }) })] }, { concurrency: 2 });
    await worker.start();
    await worker.stop();
  });
});
