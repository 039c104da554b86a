import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError, MissingImplementationError, defineAgent, defineRoute, defineTool, type ModelProvider } from '../src/index.ts';
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

  it('refuses a worker with no provider for a model an agent declares, listing every one missing', async () => {
    const fast = defineRoute({ name: 'fast', models: ['openai:gpt-4o-mini', 'anthropic:claude-haiku-4-5'] });
    const writer = defineAgent({
      name: 'writer',
      input: z.object({}),
      output: z.string(),
      models: ['mistral:large', fast],
      run: async () => 'done',
    });
    // Never called: createWorker looks at provider ids only.
    const openai: ModelProvider = { specificationVersion: 'ratchet.provider.v1', id: 'openai', doComplete: () => Promise.reject(new Error('not called')) };
    await assert.rejects(createWorker(await driver(), { agents: [writer], providers: [openai] }), (error: unknown) => {
      assert.ok(error instanceof MissingImplementationError, String(error));
      assert.equal(
        error.message,
        'No implementation registered on this worker for a model provider for "mistral:large" of agent "writer", a model provider for "anthropic:claude-haiku-4-5" of agent "writer". Registered: provider openai',
      );
      return true;
    });
    assert.throws(() => defineAgent({ name: 'bad', input: z.object({}), output: z.string(), models: ['gpt-4o'], run: async () => '' }), ConfigError);
  });

  it('creates the worker once every declared tool is implemented', async () => {
    const worker = await createWorker(await driver(), { agents: [triage], implementations: [implement(fileTicket, { execute: async () => ({ id: 'T-1' }) })] }, { concurrency: 2 });
    await worker.start();
    await worker.stop();
  });
});
