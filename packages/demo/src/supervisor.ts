import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/** One supervised program: a Node process (a service's bundle, a TypeScript file through tsx), and how it has fared. */
export interface Supervised {
  readonly name: string;
  /** Starts after the first, each after a crash (a nonzero exit or a signal it did not ask for). */
  restarts: number;
  /** The exit that caused the latest restart, e.g. "code 1" or "SIGKILL". */
  lastExit: string | null;
  child: ChildProcess | null;
  readonly logPath: string;
}

export interface SupervisorOptions {
  cwd: string;
  logDir: string;
  /** Delay before the n-th restart in a row: min(initial · 2^(n-1), max). */
  restartDelayMs?: { initial: number; max: number };
  /** How long `stopAll` waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
}

/**
 * Runs programs as child processes, restarts one that crashes (with backoff, so a program that
 * cannot start does not spin), and stops them all. Each program's stdout and stderr go to
 * `<logDir>/<name>.log`, appended across restarts.
 */
export class Supervisor {
  private readonly programs = new Map<string, Supervised & { start: () => void; log: WriteStream; timer: NodeJS.Timeout | null }>();
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {
    mkdirSync(options.logDir, { recursive: true });
  }

  /** Starts Node with `nodeArgs` (its options, a program under cwd and the program's arguments) and exactly `env` (plus PATH and HOME). */
  start(name: string, nodeArgs: string[], env: Record<string, string>): Supervised {
    if (this.programs.has(name)) throw new Error(`supervisor: "${name}" is already running`);
    const { initial, max } = this.options.restartDelayMs ?? { initial: 1_000, max: 30_000 };
    const logPath = join(this.options.logDir, `${name}.log`);
    // Opened now, so the file is there as soon as the program is started.
    const log = createWriteStream(logPath, { fd: openSync(logPath, 'a') });
    let crashesInARow = 0;
    const program = {
      name,
      restarts: 0,
      lastExit: null as string | null,
      child: null as ChildProcess | null,
      logPath,
      log,
      timer: null as NodeJS.Timeout | null,
      start: () => {
        const startedMs = Date.now();
        const child = spawn(process.execPath, nodeArgs, {
          cwd: this.options.cwd,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout!.pipe(log, { end: false });
        child.stderr!.pipe(log, { end: false });
        program.child = child;
        child.once('exit', (code, signal) => {
          program.child = null;
          if (this.stopping || code === 0) return;
          program.lastExit = signal ?? `code ${code}`;
          // A program that ran a while before crashing starts the backoff over.
          crashesInARow = Date.now() - startedMs > max ? 1 : crashesInARow + 1;
          const delayMs = Math.min(initial * 2 ** (crashesInARow - 1), max);
          log.write(`[supervisor] ${name} exited (${program.lastExit}); restarting in ${delayMs} ms\n`);
          program.timer = setTimeout(() => {
            program.timer = null;
            if (this.stopping) return;
            program.restarts += 1;
            program.start();
          }, delayMs);
        });
      },
    };
    this.programs.set(name, program);
    program.start();
    return program;
  }

  /** Every program, in start order. */
  list(): Supervised[] {
    return [...this.programs.values()];
  }

  /** SIGTERM to every program, SIGKILL to those still running after the timeout; resolves when all have exited. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const timeoutMs = this.options.stopTimeoutMs ?? 15_000;
    await Promise.all(
      [...this.programs.values()].map(async (program) => {
        if (program.timer) clearTimeout(program.timer);
        const child = program.child;
        if (child && child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          await exited;
          clearTimeout(timer);
        }
        await new Promise((resolve) => program.log.end(resolve));
      }),
    );
  }
}
