import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuSeconds, parseStackPids } from './proc-readings.js';

describe('proc readings', () => {
  it("reads a process's CPU time, which grows while it works", () => {
    const before = cpuSeconds(process.pid);
    const until = performance.now() + 300;
    while (performance.now() < until); // 0.3 s of CPU
    const after = cpuSeconds(process.pid);
    expect(after - before).toBeGreaterThan(0.1);
  });

  it('gives NaN for a process that is gone', () => {
    const child = spawnSync('true');
    expect(cpuSeconds(child.pid!)).toBeNaN();
  });

  it("takes the servers' pids from scripts/stack status, skipping one that is down", () => {
    const status = [
      'server    health    pid      rss_mb   address',
      'kafka     healthy   1065     752      127.0.0.1:19092',
      'redis     down      -        -        127.0.0.1:16379',
      'influxdb  healthy   8332     593      127.0.0.1:18086',
    ].join('\n');
    expect([...parseStackPids(status)]).toEqual([['kafka', 1065], ['influxdb', 8332]]);
  });
});
