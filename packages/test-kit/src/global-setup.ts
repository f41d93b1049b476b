import type { TestProject } from 'vitest/node';
import { readStackEnv, runStack, type StackEnv } from './stack-env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEnv;
  }
}

const servers = ['kafka', 'registry', 'redis', 'influxdb'];

/**
 * Starts the local stack once per test run. A server that was already running is reused
 * and left running; only what this run started is stopped afterwards.
 */
export default function setup(project: TestProject): () => void {
  const wasDown = servers.filter((server) => {
    const line = runStackStatus().find((l) => l.startsWith(`${server} `));
    return !line?.includes(' healthy ');
  });
  runStack('up');
  project.provide('stack', readStackEnv());
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
