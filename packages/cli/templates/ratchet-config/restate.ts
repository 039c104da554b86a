import { defineConfig } from '@ratchet/core/config';

// Which engine runs the agent: Restate. `npx @restatedev/restate-server` serves the defaults below.
export default defineConfig({
  driver: 'restate',
  restate: {
    // Where runs start and signals go.
    ingressUrl: process.env.RESTATE_INGRESS_URL ?? 'http://127.0.0.1:8080',
    // Where the worker registers its endpoint, and where runs and journals are read back.
    adminUrl: process.env.RESTATE_ADMIN_URL ?? 'http://127.0.0.1:9070',
    // Restate calls the worker's endpoint here; it must be reachable from the server.
    endpointPort: Number(process.env.RESTATE_ENDPOINT_PORT ?? 9080),
  },
});
