import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { runSpanContext } from '@ratchet/core/worker';
import { stopAll } from '@ratchet/testing';
import { enduringAgent } from '../fixtures/agents.ts';
import { readSpanFile } from '../fixtures/span-file.ts';
import { Scenario } from '../harness/scenario.ts';
import { selectedDrivers } from '../harness/selected-drivers.ts';
import { describeJournalAgreement } from '../harness/journal-book.ts';

// OpenTelemetry spans of the effects a worker runs, read from the SDK in each worker process: one
// per effect that ran, none for what a replay answered from the journal, in one trace per run.
for (const driver of selectedDrivers()) {
  describe(`${driver.name}: OpenTelemetry spans`, () => {
    const dir = mkdtempSync(join(tmpdir(), `ratchet-spans-${driver.name}-`));
    const spansFile = join(dir, 'spans.jsonl');
    let s: Scenario;
    before(async () => {
      s = await Scenario.open(driver);
    });
    afterEach(() => stopAll());
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('reports each tool, completion and step once, across a worker killed after the completion', async () => {
      const runId = 'traced';
      const env = { RATCHET_SPANS_FILE: spansFile };
      const worker = await s.spawnWorker({ env });
      await s.client.start(enduringAgent, { item: 'lamp' }, { runId });
      // Killed in the sleep, after the tool and the completion: the next worker replays both.
      await s.waitFor(async () => (await s.client.journal(runId)).some((entry) => entry.stepId === 'llm:note#1'), 120_000);
      await worker.kill();
      await s.spawnWorker({ env });
      await s.client.result(runId, { timeoutMs: 120_000 });

      const spans = readSpanFile(spansFile).filter((span) => span.attributes['ratchet.run_id'] === runId);
      assert.deepEqual(spans.map((span) => span.name).sort(), ['chat gpt-plain', 'execute_tool reserve', 'ratchet.step ship'], 'one span per effect that ran; the replay reported none');
      const { traceId, spanId } = runSpanContext(runId);
      for (const span of spans) {
        assert.equal(span.traceId, traceId, `${span.name}: in the run's trace`);
        assert.equal(span.parentSpanId, spanId);
        assert.equal(span.attributes['ratchet.driver'], driver.name);
        assert.equal(span.attributes['ratchet.attempt'], 1);
      }
      const chat = spans.find((span) => span.name === 'chat gpt-plain')!;
      assert.equal(chat.kind, 2, 'a client span');
      assert.deepEqual(
        [chat.attributes['gen_ai.operation.name'], chat.attributes['gen_ai.provider.name'], chat.attributes['gen_ai.request.model'], chat.attributes['gen_ai.response.model'], chat.attributes['ratchet.step_id']],
        ['chat', 'openai', 'gpt-plain', 'gpt-plain', 'llm:note#1'],
      );
      assert.ok(Number(chat.attributes['gen_ai.usage.input_tokens']) > 0 && Number(chat.attributes['gen_ai.usage.output_tokens']) > 0);
      assert.deepEqual(chat.attributes['gen_ai.response.finish_reasons'], ['stop']);
      assert.deepEqual(chat.events.map((event) => [event.name, event.attributes['gen_ai.request.model'], event.attributes['ratchet.route.outcome']]), [['ratchet.route_attempt', 'gpt-plain', 'answered']]);
      assert.equal(chat.attributes['gen_ai.input.messages'], undefined, 'no content unless the worker opts in');
      const tool = spans.find((span) => span.name === 'execute_tool reserve')!;
      assert.deepEqual([tool.attributes['gen_ai.operation.name'], tool.attributes['gen_ai.tool.name']], ['execute_tool', 'reserve']);
      assert.doesNotMatch(readFileSync(spansFile, 'utf8'), /test-key/, 'no API key on any span');
    });
  });
}

describeJournalAgreement(selectedDrivers().map((driver) => driver.name), import.meta.filename);
