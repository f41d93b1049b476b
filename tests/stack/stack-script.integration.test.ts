import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runStack, stackScript, waitUntil } from '@gridstream/test-kit';

/** Server name -> pid, as `scripts/stack status` reports them. */
function pids(): Record<string, string> {
  return Object.fromEntries(
    runStack('status')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s+/))
      .map(([server, , pid]) => [server!, pid!]),
  );
}

/** Processes of a process group that still run (this machine's init leaves zombies unreaped). */
function liveProcessesInGroup(pgid: string): string[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,pgid=,stat='], { encoding: 'utf8' });
  return table
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, group, stat]) => group === pgid && !stat!.startsWith('Z'))
    .map(([pid]) => pid!);
}

/** Whether a process has finished exiting (gone, or a zombie nobody reaps). */
function exited(pid: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
  } catch {
    return true;
  }
}

describe('scripts/stack', () => {
  it('changes nothing when up runs twice', () => {
    const before = pids();
    expect(Object.keys(before)).toEqual(['kafka', 'registry', 'redis', 'influxdb']);
    runStack('up');
    expect(pids()).toEqual(before);
  });

  it('brings back just the server that was killed', async () => {
    const before = pids();
    process.kill(Number(before.redis), 'SIGKILL');
    // A killed process takes a moment to exit, longer the more memory it frees; until then it still runs.
    await waitUntil('the killed redis to exit', () => exited(before.redis!), 10_000);
    runStack('up');
    const after = pids();
    expect(after.redis).not.toBe(before.redis);
    expect({ ...after, redis: 'restarted' }).toEqual({ ...before, redis: 'restarted' });
  });

  it('leaves no process behind on down', () => {
    const pid = pids().redis!;
    expect(liveProcessesInGroup(pid)).toEqual([pid]);
    runStack('down', 'redis');
    expect(liveProcessesInGroup(pid)).toEqual([]);
    const status = spawnSync(stackScript, ['status'], { encoding: 'utf8' });
    expect({ exitCode: status.status, redis: /^redis\s+(\S+)/m.exec(status.stdout)?.[1] }).toEqual({ exitCode: 3, redis: 'down' });
    runStack('up', 'redis');
  });
});
