import type { TestProject } from 'vitest/node';
import { pruneScratch } from './prune-scratch.js';
import { readStackEnv, runStack, type StackEnv } from './stack-env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEnv;
  }
}

const servers = ['kafka', 'registry', 'redis', 'influxdb'];

/**
 * Starts the local stack once per test run and deletes what earlier runs left on it. A server that
 * was already running is reused and left running; only what this run started is stopped afterwards.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const wasDown = servers.filter((server) => {
    const line = runStackStatus().find((l) => l.startsWith(`${server} `));
    return !line?.includes(' healthy ');
  });
  runStack('up');
  const stack = readStackEnv();
  const pruned = await pruneScratch(stack);
  console.log(`[gridstream] deleted what earlier runs left: ${pruned.topics} topics, ${pruned.redisKeys} Redis keys, ${pruned.influxPipelines} InfluxDB pipelines, ${pruned.influxBuckets} buckets`);
  project.provide('stack', stack);
  return () => {
    if (wasDown.length > 0 && process.env.GRIDSTREAM_KEEP_STACK !== '1') runStack('down', ...wasDown);
  };
}

function runStackStatus(): string[] {
  try {
    return runStack('status').split('\n');
  } catch (error) {
    // status exits 3 when a server is down; its output still lists every server.
    const stdout = (error as { stdout?: string }).stdout;
    if (typeof stdout === 'string') return stdout.split('\n');
    throw error;
  }
}
