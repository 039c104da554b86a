import assert from 'node:assert/strict';
import { after, before, beforeEach } from 'node:test';
import type { ModelProvider } from '@ratchet/core';
import { startModelServer, type ModelServer } from '@ratchet/testing';
import { anthropic, openai } from '../src/index.ts';

/**
 * A model server for one test file (started before its tests, reset before each, closed after),
 * with the real OpenAI and Anthropic providers pointed at it.
 */
export function useModelTestbed(): { readonly server: ModelServer; gpt(): ModelProvider; claude(): ModelProvider } {
  let started: ModelServer | undefined;
  before(async () => {
    started = await startModelServer();
  });
  after(() => started?.close());
  beforeEach(() => started?.reset());
  const server = () => started ?? assert.fail('the model server starts before the tests');
  return {
    get server() {
      return server();
    },
    gpt: () => openai({ apiKey: 'sk-test', baseURL: server().openaiBaseURL }),
    claude: () => anthropic({ apiKey: 'sk-ant-test', baseURL: server().anthropicBaseURL }),
  };
}
