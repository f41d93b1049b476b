import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { currentBundle, serviceEntry } from '@gridstream/service-build';
import { waitUntil } from './wait-until.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  /** Resolves with the exit code, or the signal's name when killed. */
  exited: Promise<number | string>;
  /** Everything it wrote to stderr and stdout, for a failing test's message. */
  output(): string;
}

/** Starts a service as its own Node process from its bundle (`services/<name>/dist/main.mjs`), the way the demo and deployments run it. */
export function startService(name: string, env: Record<string, string>): ServiceProcess {
  return startBundle(serviceEntry(name), [], env);
}

/**
 * Starts a TypeScript file of the repository (e.g. the CLI, `packages/cli/src/main.ts`) as a Node
 * process, through tsx. `GRIDSTREAM_SERVICE_NODE_ARGS` in this process's environment go to every
 * such Node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a bench's services
 * (NODE_OPTIONS may not carry --cpu-prof).
 */
export function startScript(path: string, args: string[], env: Record<string, string>): ServiceProcess {
  return startProcess(process.execPath, [...serviceNodeArgs(), '--import', 'tsx', path, ...args], env);
}

/** Starts a TypeScript file of the repository from its bundle, built first if a source changed: as services run. */
export function startBundle(path: string, args: string[], env: Record<string, string>): ServiceProcess {
  return startProcess(process.execPath, [...serviceNodeArgs(), '--enable-source-maps', currentBundle(path), ...args], env);
}

function serviceNodeArgs(): string[] {
  return (process.env.GRIDSTREAM_SERVICE_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
}

/** Starts any program in the repository root with only PATH, HOME and `env` (e.g. a bench's Python peer), keeping its output. */
export function startProcess(command: string, args: string[], env: Record<string, string>): ServiceProcess {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, exited, output: () => output };
}

/** Waits for a service's /readyz; on timeout the error carries what the service printed, or how it exited. */
export async function waitForReady(service: ServiceProcess, opsPort: number, timeoutMs = 90_000): Promise<void> {
  const ready = async () => (await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => null))?.status === 200;
  try {
    await waitUntil(`the service on ${opsPort} to be ready`, ready, timeoutMs, 250);
  } catch (error) {
    throw new Error(`${(error as Error).message}; exit: ${service.child.exitCode ?? 'running'}; output:\n${service.output().slice(-4_000)}`, { cause: error });
  }
}
