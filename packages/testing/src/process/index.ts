export { killWhen } from './kill-when.ts';
export { spawnWorker, stopAll, type WorkerExit, type WorkerProcess } from './worker-process.ts';
