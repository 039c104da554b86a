// The worker: hosts the agent with the tool's implementation and the model provider. `npm run worker`
// runs one on its own; src/start.ts imports this module to run one in its own process.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createDriverFromConfig, loadConfig } from '@ratchet/core/config';
import { createWorker, implement } from '@ratchet/core/worker';
import { openai } from '@ratchet/providers';
import { noteTaker, saveNote } from './agent.ts';

const notesFile = '.ratchet/notes.md';

/** The driver named in ratchet.config.ts, with its options. */
export const driver = await createDriverFromConfig(await loadConfig());

export const worker = await createWorker(driver, {
  agents: [noteTaker],
  implementations: [
    implement(saveNote, {
      // The key is `{runId}:{stepId}`, the same on every retry and replay: a worker killed after
      // the write but before the journal recorded it finds its note and does not write it twice.
      async execute({ title, body }, { idempotencyKey }) {
        const marker = `<!-- ${idempotencyKey} -->`;
        const notes = await readFile(notesFile, 'utf8').catch(() => '');
        if (notes.includes(marker)) return { file: notesFile, duplicate: true };
        await mkdir(dirname(notesFile), { recursive: true });
        await appendFile(notesFile, `${marker}\n## ${title}\n\n${body}\n\n`);
        return { file: notesFile, duplicate: false };
      },
    }),
  ],
  // OPENAI_API_KEY, and OPENAI_BASE_URL for any OpenAI-compatible endpoint (a gateway, a local model).
  providers: [openai()],
});
await worker.start();
console.log(`worker ready: ${noteTaker.name} on the ${driver.name} driver (pid ${process.pid})`);
