import { defineConfig } from '@ratchet/core/config';

// Which engine runs the agent: Temporal. `temporal server start-dev` serves the defaults below.
export default defineConfig({
  driver: 'temporal',
  temporal: {
    // A dev server, a self-hosted cluster, or Temporal Cloud (`<namespace>.<account>.tmprl.cloud:7233`).
    address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    // Temporal Cloud; implies TLS. An empty value means none.
    apiKey: process.env.TEMPORAL_API_KEY || undefined,
    // The modules that export the agents, bundled into the workflow unchanged. Relative paths
    // resolve from the directory the worker starts in: the project root, under `npm start`.
    agentModules: ['./src/agent.ts'],
  },
});
