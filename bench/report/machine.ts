import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release } from 'node:os';

export interface Machine {
  cpu: string;
  nproc: number;
  /** `free -h`, as printed. */
  memory: string;
  os: string;
  node: string;
  /** 1-minute load average when the bench started and ended: other work on the machine shows here. */
  loadAverage: { start: number; end?: number };
}

export function describeMachine(): Machine {
  const cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  return {
    cpu,
    nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || availableParallelism(),
    memory: execFileSync('free', ['-h'], { encoding: 'utf8' }).trimEnd(),
    os: `${process.platform} ${release()}`,
    node: process.version,
    loadAverage: { start: loadavg()[0]! },
  };
}
