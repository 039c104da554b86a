import { defineConfig } from '@ratchet/core/config';

// Which engine runs the agent. 'local' is an embedded SQLite journal: nothing to install or start.
// Move to 'temporal', 'restate' or 'inngest' by changing `driver` and giving its options (README.md).
export default defineConfig({
  driver: 'local',
  local: { path: '.ratchet/runs.db' },
});
