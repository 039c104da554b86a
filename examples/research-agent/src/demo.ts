// `npm start`: run the research agent on the local driver, SIGKILL its worker mid-run, start a new
// one, and show that no completion was requested twice and no effect applied twice.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { styleText } from 'node:util';
import { createClient } from '@ratchet/core';
import { createDriverFromConfig, loadConfig } from '@ratchet/core/config';
import { killWhen, spawnWorker, startModelServer, startWorldService, stopAll, type AppliedEffect } from '@ratchet/testing';
import { researchAgent } from './agent.ts';
import { formatTimeline } from '@ratchet/cli';

const say = (text: string) => console.log(text);
const dbPath = fileURLToPath(new URL('../.ratchet/demo.db', import.meta.url));
for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });

const world = await startWorldService();
const hasOpenAI = Boolean(process.env.OPENAI_API_KEY);
const hasAnthropic = Boolean(process.env.ANTHROPIC_API_KEY);
const models = hasOpenAI || hasAnthropic ? undefined : await startModelServer();
const providerEnv: Record<string, string> = models
  ? {
      // The local model server accepts any key; these never leave this machine.
      OPENAI_API_KEY: 'local-model-server',
      OPENAI_BASE_URL: models.openaiBaseURL,
      ANTHROPIC_API_KEY: 'local-model-server',
      ANTHROPIC_BASE_URL: models.anthropicBaseURL,
    }
  : {};
const researchModel = process.env.RESEARCH_MODEL ?? (hasOpenAI || models ? 'openai:gpt-4o-mini' : 'anthropic:claude-sonnet-4-5');
const draftModel = process.env.DRAFT_MODEL ?? (hasAnthropic || models ? 'anthropic:claude-sonnet-4-5' : 'openai:gpt-4o-mini');

say(styleText('bold', '\nRatchet demo: a research agent that loses its worker to kill -9 and finishes anyway\n'));
say(
  models
    ? `No OPENAI_API_KEY or ANTHROPIC_API_KEY set: using the testing kit's local model server at ${models.url}\n` +
        `(it speaks the OpenAI and Anthropic wire formats; the official SDK clients talk to it). Set a key to use a real provider.`
    : `Using real providers: ${[hasOpenAI && 'OpenAI', hasAnthropic && 'Anthropic'].filter(Boolean).join(' and ')}.`,
);
say(`Models: research ${researchModel} (falling back to ${draftModel}), draft ${draftModel}. Driver: local (SQLite at ${dbPath}).`);
if (models) {
  // Show the fallback: the research model answers 429 to both tries, so the route moves on.
  models.script({ match: { model: researchModel.split(':')[1]! }, fault: 'rate-limit', retryAfterSeconds: 0, times: 2 });
  say(`The local model server will rate-limit ${researchModel} twice, so the research step falls back.`);
}
say('');

const usedProviders = [...new Set([researchModel, draftModel].map((model) => model.split(':')[0]!))].join(',');
const workerEnv = { ...providerEnv, WORLD_URL: world.url, RATCHET_DB: dbPath, RATCHET_PROVIDERS: usedProviders };
const workerEntry = fileURLToPath(new URL('./worker.ts', import.meta.url));
// The config reads RATCHET_DB when it loads, as the workers' copies do.
process.env.RATCHET_DB = dbPath;
const config = await loadConfig(fileURLToPath(new URL('../ratchet.config.ts', import.meta.url)));
const client = await createClient(await createDriverFromConfig(config));

try {
  const first = spawnWorker(workerEntry, { name: 'worker-1', env: workerEnv });
  say(`▶ worker 1 started: ${(await first.waitForOutput(/worker ready \(pid \d+\)/, 30_000))[0]}`);

  // Kill worker 1 the instant the tracker has filed the ticket, before the worker could journal it.
  const killed = killWhen<AppliedEffect>((listener) => world.on('effect', listener), (effect) => effect.type === 'ticket.filed', first);
  const run = await client.start(researchAgent, { topic: 'idempotency keys', requester: 'dana@example.com', researchModel, draftModel });
  say(`▶ run ${run.runId} started: research → draft → file ticket → approval → email`);
  const ticket = await killed;
  say(styleText('red', `✖ SIGKILL worker 1 (pid ${first.pid}) right after ticket ${ticket.id} was filed, before the worker journaled it`));

  const second = spawnWorker(workerEntry, { name: 'worker-2', env: workerEnv });
  say(`▶ worker 2 started: ${(await second.waitForOutput(/worker ready \(pid \d+\)/, 30_000))[0]}; it takes the run over when worker 1's lease expires`);

  while ((await client.describe(run.runId)).status !== 'waiting') await new Promise((resolve) => setTimeout(resolve, 50));
  say('▶ the run waits for approval "notify-requester"; approving as demo-operator');
  await client.approve(run.runId, 'notify-requester', { by: 'demo-operator' });

  const output = await run.result({ timeoutMs: 120_000 });
  const described = await client.describe(run.runId);
  const journal = await client.journal(run.runId);
  say(styleText('green', `\n✔ run ${described.status} after ${described.executions} executions: ${JSON.stringify(output)}\n`));
  say(formatTimeline(journal, described.executions));

  const completions = journal.filter((entry) => entry.kind === 'llm');
  const effectCount = (type: string) => world.effectsOfType(type).length;
  const postsFor = (type: string) => world.attempts.filter((attempt) => attempt.type === type).length;
  say(styleText('bold', '\nThe proof'));
  if (models) {
    const answered = models.requests.filter((request) => request.status === 200).length;
    say(`  completions journaled: ${completions.length}; answers the model server gave: ${answered}` +
      (answered === completions.length ? styleText('green', '  (none asked twice)') : styleText('red', '  (ASKED TWICE)')) +
      `; refused with 429: ${models.requests.length - answered}`);
    const research = completions[0]!.completion!;
    say(`  research: ${research.routeAttempts.map((a) => `${a.model} ${a.outcome === 'answered' ? 'answered' : a.errorClass}`).join(' → ')}; after the kill the journal answered, nobody was asked again`);
  } else {
    say(`  completions journaled: ${completions.length}, each executed once (attempts: ${completions.map((c) => c.attempts).join(', ')})`);
  }
  say(`  tickets filed: ${effectCount('ticket.filed')} (the retry after the kill sent ${postsFor('ticket.filed')} requests with one idempotency key; the tracker answered the second from its record)`);
  say(`  emails sent:   ${effectCount('email.sent')}`);
  say(`  usage: ${described.usage?.inputTokens} input + ${described.usage?.outputTokens} output tokens, $${described.usage?.costUsd.toFixed(6)}\n`);
  if (effectCount('ticket.filed') !== 1 || effectCount('email.sent') !== 1 || (models && models.requests.filter((r) => r.status === 200).length !== completions.length)) {
    process.exitCode = 1;
  }
} finally {
  await stopAll();
  await client.close();
  await world.close();
  await models?.close();
}
