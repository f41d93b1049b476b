// How fast a candidate works through a backlog: started on fresh consumer groups, timed by their lag.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceProcess } from '@gridstream/test-kit';

const POLL_INTERVAL_MS = 100;
const RUN_LIMIT_MS = 5 * 60_000;
const STOP_LIMIT_MS = 30_000;

/** Whatever a bench started is killed when it exits, also on Ctrl-C. */
const running = new Set<ServiceProcess>();
process.once('exit', () => {
  for (const service of running) service.child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(128 + os.constants.signals[signal]));

export interface CatchUp {
  /** Left when progress was first seen, all done by the end: start-up and group join are excluded. */
  records: number;
  seconds: number;
  recordsPerSecond: number;
  /** From spawning the processes to the first observed progress. */
  startupSeconds: number;
}

/**
 * Starts a candidate's processes and polls `lag` (records of the backlog not yet committed, out of
 * `backlog`): the clock runs from the first poll that sees progress to the first that sees none left.
 * Then stops them with SIGTERM, as a deployment would.
 */
export async function timeCatchUp(what: string, backlog: number, start: () => ServiceProcess[], lag: () => Promise<number>): Promise<CatchUp> {
  console.error(`${what}: started`);
  const spawnedMs = performance.now();
  const processes = start();
  for (const service of processes) running.add(service);
  const output = () => processes.map((service) => service.output()).join('\n---\n');
  try {
    let first: { atMs: number; left: number } | null = null;
    for (;;) {
      const left = await lag();
      const atMs = performance.now();
      if (first === null && left < backlog) first = { atMs, left };
      if (left === 0 && first !== null) {
        if (first.left === 0) throw new Error(`${what}: finished between two polls ${POLL_INTERVAL_MS} ms apart; use a larger backlog`);
        const seconds = (atMs - first.atMs) / 1000;
        const result = { records: first.left, seconds, recordsPerSecond: first.left / seconds, startupSeconds: (first.atMs - spawnedMs) / 1000 };
        console.error(`${what}: ${Math.round(result.recordsPerSecond)} records/s`);
        return result;
      }
      const exited = processes.find((service) => service.child.exitCode !== null || service.child.signalCode !== null);
      if (exited) throw new Error(`${what}: a process exited (${await exited.exited}) with ${left} records left; their output:\n${output()}`);
      if (atMs - spawnedMs > RUN_LIMIT_MS) {
        throw new Error(`${what}: not done after ${RUN_LIMIT_MS / 60_000} minutes, ${left} of ${backlog} records left; their output:\n${output()}`);
      }
      await sleep(POLL_INTERVAL_MS);
    }
  } finally {
    await Promise.all(processes.map((service) => stop(service, what)));
  }
}

/** SIGTERM; SIGKILL if it is not gone in time. */
async function stop(service: ServiceProcess, what: string): Promise<void> {
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), STOP_LIMIT_MS);
  const exit = await service.exited;
  clearTimeout(timer);
  running.delete(service);
  if (exit !== 0) console.error(`${what}: stopped with ${exit}; its output:\n${service.output()}`);
}
