import { defineConfig } from '@ratchet/core/config';

// Which engine runs the agent: Inngest. `npx inngest-cli@latest dev --no-discovery` serves the defaults below.
export default defineConfig({
  driver: 'inngest',
  inngest: {
    baseUrl: process.env.INNGEST_BASE_URL ?? 'http://127.0.0.1:8288',
    // The dev server needs no keys; a self-hosted `inngest start` or Inngest Cloud needs both.
    isDev: !process.env.INNGEST_SIGNING_KEY,
    signingKey: process.env.INNGEST_SIGNING_KEY || undefined,
    eventKey: process.env.INNGEST_EVENT_KEY || undefined,
    // The Inngest server calls the worker here; it must be reachable from the server.
    servePort: Number(process.env.INNGEST_SERVE_PORT ?? 3000),
  },
});
