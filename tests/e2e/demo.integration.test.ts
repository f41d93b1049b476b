// The README's main job, as a user runs it: scripts/demo on the local stack, every service as its
// own process. With --keep it stays up, so the dashboards' queries can be run against what it
// wrote; Ctrl-C (SIGINT to its process group) then stops everything it started. A second run,
// without --keep and without cleanup in between, stops by itself.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { defaultOpsPorts } from '@gridstream/runtime';
import { uniqueName, waitUntil } from '@gridstream/test-kit';
import { checkInfluxPanels, checkPromPanels } from '../deploy/panel-queries.js';

const stack = inject('stack');
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const opsPorts = Object.values(defaultOpsPorts);

/** scripts/demo in a process group of its own, so a SIGINT reaches it the way Ctrl-C does. */
function runDemo(prefix: string, env: Record<string, string>, args: string[] = []) {
  const child = spawn(join(repoRoot, 'scripts/demo'), args, {
    cwd: repoRoot,
    env: { ...process.env, GRIDSTREAM_TOPIC_PREFIX: prefix, DEMO_LOG_DIR: mkdtempSync(join(tmpdir(), 'demo-logs-')), DEMO_HOURS: '30', DEMO_METERS: '8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, output: () => output };
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

describe('the demo (scripts/demo)', () => {
  const redis = new Redis(stack.redisUrl, { lazyConnect: true });
  const demos: Array<ReturnType<typeof runDemo>> = [];
  afterAll(() => {
    for (const demo of demos) if (demo.child.exitCode === null) process.kill(-demo.child.pid!, 'SIGKILL');
    redis.disconnect();
  });

  it('runs every service, shows the live view, fills Redis and InfluxDB for every dashboard panel, and Ctrl-C stops what it started', { timeout: 720_000 }, async () => {
    const prefix = uniqueName('demo');
    const startedMs = Date.now();
    const demo = runDemo(prefix, { DEMO_MINUTES: '0.5' }, ['--keep']);
    demos.push(demo);
    await waitUntil('the demo to finish sending and draining', async () => demo.output().includes('the services keep running (--keep)') || demo.child.exitCode !== null, 600_000, 1_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}; output:\n${demo.output().slice(-5_000)}`);
      },
    );
    const output = demo.output();
    expect(demo.child.exitCode, output.slice(-5_000)).toBeNull();
    // The live view (printed every 15 s when not on a terminal) and the closing summary.
    expect(output).toMatch(/service\s+state\s+in\/s\s+out\/s[\s\S]*redis-sink\s+up/);
    expect(output).toMatch(/end-to-end latency \(ingest to Redis\): p50 /);
    expect(output).toContain('simulator: done; pipeline drained');
    expect(output).toMatch(/data quality per source[\s\S]*meter\s+\d/);
    expect(output).toContain(`results of this run (pipeline ${prefix})`);
    expect(output).toMatch(/\n {4}[1-9]\d* rows from: from\(bucket/);

    await redis.connect();
    expect(await redis.exists(`${prefix}:latest:meter:M-0001`)).toBe(1);
    expect((await redis.keys(`${prefix}:sequence:*`)).length).toBeGreaterThan(0);

    const problems = await checkInfluxPanels(stack.influx.url, stack.influx.token, stack.influx.org, {
      bucket: stack.influx.bucket,
      pipeline: prefix,
      start: new Date(startedMs - 32 * 3_600_000),
      stop: new Date(Date.now() + 3_600_000),
    });
    expect(problems.map((p) => `${p.dashboard} / ${p.title} (${p.refId}): ${p.problem}`)).toEqual([]);
    const metricsTexts = await Promise.all(opsPorts.map(async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()));
    expect(checkPromPanels(metricsTexts)).toEqual([]);
    expect((await fetch('http://127.0.0.1:18088/')).status).toBe(200); // the web view it started

    process.kill(-demo.child.pid!, 'SIGINT');
    expect(await demo.exited).toBe(130);
    for (const port of [...opsPorts, 18090, 18088]) expect(await portFree(port), `port ${port} still in use`).toBe(true);
  });

  it('runs again without cleanup and, without --keep, stops by itself', { timeout: 600_000 }, async () => {
    const demo = runDemo(uniqueName('demo'), { DEMO_MINUTES: '0.2', DEMO_HOURS: '6' });
    demos.push(demo);
    const code = await demo.exited;
    expect(code, demo.output().slice(-5_000)).toBe(0);
    expect(demo.output()).toContain('stopping the services');
    for (const port of [...opsPorts, 18090, 18088]) expect(await portFree(port), `port ${port} still in use`).toBe(true);
  });
});
