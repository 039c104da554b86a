export { createProgram, runCli } from './program.ts';
export { exitCodes } from './exit-codes.ts';
export { formatTimeline } from './format-timeline.ts';
export { formatRun, formatRuns } from './format-run.ts';
