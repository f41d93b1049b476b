import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Supervisor } from './supervisor.js';

const dir = mkdtempSync(join(tmpdir(), 'supervisor-'));
/** Crashes on its first two starts (counted in a file), then stays up until told to stop. */
const flaky = join(dir, 'flaky.ts');
writeFileSync(
  flaky,
  `import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const file = process.argv[2];
const starts = (existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0) + 1;
writeFileSync(file, String(starts));
console.log('start', starts);
if (starts <= 2) process.exit(3);
setInterval(() => undefined, 1000);
process.on('SIGTERM', () => { console.log('stopping'); process.exit(0); });
`,
);

describe('Supervisor', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('restarts a crashed program with backoff, logs every start, and stops all on request', { timeout: 30_000 }, async () => {
    const supervisor = new Supervisor({ cwd: fileURLToPath(new URL('..', import.meta.url)), // where tsx resolves
       logDir: join(dir, 'logs'), restartDelayMs: { initial: 100, max: 1_000 } });
    const counter = join(dir, 'starts');
    const program = supervisor.start('flaky', ['--import', 'tsx', flaky, counter], {});
    const deadline = Date.now() + 20_000;
    while (!readFileSync(program.logPath, 'utf8').includes('start 3')) {
      if (Date.now() > deadline) throw new Error(`not restarted twice: ${readFileSync(program.logPath, 'utf8')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 500)); // still up, no third crash
    expect(program.child).not.toBeNull();
    expect(program.restarts).toBe(2);
    expect(program.lastExit).toBe('code 3');
    const child = program.child!;
    await supervisor.stopAll();
    expect(child.exitCode).toBe(0);
    const log = readFileSync(program.logPath, 'utf8');
    expect(log).toMatch(/start 1[\s\S]*exited \(code 3\)[\s\S]*start 2[\s\S]*start 3[\s\S]*stopping/);
  });
});
