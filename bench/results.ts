// What every bench records beside its figures, and where: bench/results/<date>-<name>.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** A command-line argument that must be a positive integer; exits with status 2 naming it otherwise. */
export function positiveIntegerArg(name: string, value: string, example: string): number {
  const n = Number(value);
  if (Number.isSafeInteger(n) && n > 0) return n;
  console.error(`${name}: expected a positive integer, got "${value}"; e.g. ${name} ${example}`);
  process.exit(2);
}

/** The date results are filed under: pnpm bench's start day for all its benches (BENCH_DAY), so a run past midnight finds them. */
export function benchDay(): string {
  return process.env.BENCH_DAY ?? new Date().toISOString().slice(0, 10);
}

/** Writes `figures` with the date, commit and machine to bench/results/<day>-<name>.json, whole or not at all; returns the path. */
export function writeResult(name: string, figures: object): string {
  const date = new Date();
  const path = `bench/results/${benchDay()}-${name}.json`;
  const json = {
    bench: name,
    date: date.toISOString(),
    commit: execFileSync('git', ['describe', '--always', '--dirty'], { cwd: repoRoot, encoding: 'utf8' }).trim(),
    machine: machine(),
    ...figures,
  };
  writeWhole(path, `${JSON.stringify(json, null, 2)}\n`);
  return path;
}

/** Writes `text` to `path` (from the repository root) whole or not at all: *.tmp is git-ignored. */
export function writeWhole(path: string, text: string): void {
  mkdirSync(`${repoRoot}bench/results`, { recursive: true });
  writeFileSync(`${repoRoot}${path}.tmp`, text);
  renameSync(`${repoRoot}${path}.tmp`, `${repoRoot}${path}`);
}
