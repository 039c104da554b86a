import { styleText } from 'node:util';
import type { RunDescription } from '@ratchet/core';

const statusStyle: Record<string, Parameters<typeof styleText>[0]> = {
  completed: 'green',
  failed: 'red',
  'dead-lettered': 'red',
  waiting: 'yellow',
  running: 'cyan',
  pending: 'cyan',
  migrated: 'magenta',
};

export function formatRun(run: RunDescription): string {
  const lines = [
    `${styleText('bold', run.runId)}  ${run.agent}  ${styleText(statusStyle[run.status] ?? 'white', run.status)}  ${run.executions} execution(s)`,
    `created ${new Date(run.createdAt).toISOString()}, updated ${new Date(run.updatedAt).toISOString()}`,
  ];
  if (run.usage) lines.push(`usage: ${run.usage.inputTokens} in + ${run.usage.outputTokens} out tokens, $${run.usage.costUsd.toFixed(6)}`);
  if (run.error) lines.push(styleText('red', `error: ${run.error.message}`));
  for (const compensation of run.compensations ?? []) lines.push(`compensated ${compensation.stepId}: ${compensation.status}`);
  if (run.migration) {
    const wait = run.migration.openWait ? `, in ${run.migration.openWait.stepId}` : '';
    lines.push(styleText('magenta', `migrated to ${run.migration.to} at ${new Date(run.migration.stoppedAt).toISOString()}${wait}: it runs there now`));
  }
  if (run.deadLetter) lines.push(styleText('red', `dead-lettered at ${run.deadLetter.stepId ?? '?'}: ${run.deadLetter.error.message} (ratchet redrive ${run.runId})`));
  return lines.join('\n');
}

export function formatRuns(runs: RunDescription[]): string {
  if (runs.length === 0) return 'no runs';
  return runs
    .map((run) => `${run.runId}\t${run.agent}\t${run.status}${run.migration ? ` → ${run.migration.to}` : ''}\t${new Date(run.updatedAt).toISOString()}`)
    .join('\n');
}
