import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A live process's resident set size in bytes, from /proc (Linux); 0 once it is gone. */
export function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(match?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

let ticksPerSecond: number | undefined;

/** The CPU time a live process (all its threads) has used so far, user and system, in seconds, from /proc (Linux); NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces; utime and stime are the 14th and 15th fields.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** The stack's servers and their pids, from `scripts/stack status` output. */
export function parseStackPids(status: string): Map<string, number> {
  const pids = new Map<string, number>();
  for (const line of status.split('\n').slice(1)) {
    const [server, , pid] = line.trim().split(/\s+/);
    if (server && /^\d+$/.test(pid ?? '')) pids.set(server, Number(pid));
  }
  return pids;
}
