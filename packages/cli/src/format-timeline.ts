import { styleText } from 'node:util';
import type { JournalEntry } from '@ratchet/core';

/**
 * One line per journal entry: which execution ran it, which replayed it, model, tokens, cost,
 * duration. The first `seededSteps` entries came from another run (import, migration, fork): they
 * were executed there and answered from the journal here.
 */
export function formatTimeline(journal: JournalEntry[], executions: number, seededSteps = 0): string {
  const rows = journal.map((entry) => {
    const replayedIn = Array.from({ length: Math.max(0, executions - entry.execution) }, (_, i) => entry.execution + i + 1);
    const how = entry.position < seededSteps
      ? styleText('magenta', 'carried over (executed before the move)')
      : `executed in #${entry.execution}${replayedIn.length ? `, replayed in #${replayedIn.join(', #')}` : ''}`;
    const model = entry.completion ? `${entry.completion.provider}:${entry.completion.model}` : '';
    const tokens = entry.completion ? `${entry.completion.usage.inputTokens}→${entry.completion.usage.outputTokens} tok` : '';
    const cost = entry.completion?.costUsd === undefined ? '' : `$${entry.completion.costUsd.toFixed(6)}`;
    const duration = `${entry.completedAt - entry.startedAt} ms`;
    const failedFirst = entry.completion?.routeAttempts.filter((attempt) => attempt.outcome !== 'answered') ?? [];
    const notes = [
      entry.attempts > 1 ? styleText('yellow', `${entry.attempts} attempts`) : '',
      failedFirst.length ? styleText('yellow', `after ${failedFirst.map((a) => `${a.model} ${a.errorClass ?? a.reason}`).join(', ')}`) : '',
      entry.completion?.prompt ? `prompt ${entry.completion.prompt.name}@${entry.completion.prompt.version}` : '',
    ].filter(Boolean).join('; ');
    return [String(entry.position), entry.stepId, entry.status, how, model, tokens, cost, duration, notes];
  });
  const header = ['#', 'step', 'status', 'execution', 'model', 'tokens', 'cost', 'duration', ''];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => stripStyles(row[column]!).length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell + ' '.repeat(widths[column]! - stripStyles(cell).length)).join('  ').trimEnd();
  return [styleText('bold', line(header)), ...rows.map(line)].join('\n');
}

function stripStyles(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
