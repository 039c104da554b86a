import { defineConfig } from '@ratchet/core/config';

// Pick the backend here: 'local' runs on an embedded SQLite journal with no server to install.
export default defineConfig({
  driver: 'local',
  local: { path: process.env.RATCHET_DB ?? '.ratchet/runs.db', leaseMs: 1_000, pollIntervalMs: 50 },
});
