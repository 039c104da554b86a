// A worker process: hosts the agent with its tools and the model providers you have keys for.
import { createWorker } from '@ratchet/core/worker';
import { createDriverFromConfig, loadConfig } from '@ratchet/core/config';
import { anthropic, openai } from '@ratchet/providers';
import { researchAgent } from './agent.ts';
import { implementations } from './implementations.ts';

const worldUrl = process.env.WORLD_URL;
if (!worldUrl) throw new Error('WORLD_URL is not set: start the demo with `npm start`');

const config = await loadConfig(new URL('../ratchet.config.ts', import.meta.url).pathname);
const worker = await createWorker(await createDriverFromConfig(config), {
  agents: [researchAgent],
  implementations: implementations(worldUrl),
  // Keys and base URLs come from OPENAI_API_KEY / OPENAI_BASE_URL and ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL;
  // a missing key stops the worker here, naming the variable, before any run is taken.
  providers: (process.env.RATCHET_PROVIDERS ?? 'openai,anthropic').split(',').map((name) => {
    if (name === 'openai') return openai();
    if (name === 'anthropic') return anthropic();
    throw new Error(`Unknown provider "${name}" in RATCHET_PROVIDERS: use openai, anthropic`);
  }),
  // Windows and prices for models the bundled catalog does not know yet (USD per million tokens).
  models: { 'anthropic:claude-sonnet-4-5': { contextWindow: 200_000, inputUsdPerMillion: 3, outputUsdPerMillion: 15 } },
});
await worker.start();
console.log(`worker ready (pid ${process.pid})`);
