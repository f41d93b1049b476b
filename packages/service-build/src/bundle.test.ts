import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBundle, bundleIsCurrent, bundlePaths } from './bundle.js';

// A package of two modules: the entry, and one that reads a file beside its own source.
const dir = mkdtempSync(join(tmpdir(), 'gridstream-bundle-'));
const entry = join(dir, 'src', 'main.ts');
mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
mkdirSync(join(dir, 'data'));
writeFileSync(join(dir, 'package.json'), '{ "name": "probe", "type": "module" }');
writeFileSync(join(dir, 'data', 'greeting.txt'), 'hello from beside the source');
writeFileSync(
  join(dir, 'src', 'lib', 'greeting.ts'),
  "import { readFileSync } from 'node:fs';\nexport const greeting: string = readFileSync(new URL('../../data/greeting.txt', import.meta.url), 'utf8');\n",
);
writeFileSync(entry, "import { greeting } from './lib/greeting.js';\nconsole.log(greeting);\n");

describe('service bundles', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("go in the package's dist/, one file plain Node runs, reading files beside their sources", async () => {
    const bundle = await buildBundle(entry);
    expect(bundle).toBe(join(dir, 'dist', 'main.mjs'));
    expect(execFileSync(process.execPath, [bundle], { encoding: 'utf8' }).trim()).toBe('hello from beside the source');
  });

  it('are current until one of their sources changes', async () => {
    await buildBundle(entry);
    expect(bundleIsCurrent(entry)).toBe(true);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'src', 'lib', 'greeting.ts'), later, later);
    expect(bundleIsCurrent(entry)).toBe(false);
    await buildBundle(entry);
    // Built now, so older than the source's future mtime: still not current.
    expect(bundleIsCurrent(entry)).toBe(false);
    utimesSync(bundlePaths(entry).bundle, later, later);
    expect(bundleIsCurrent(entry)).toBe(true);
  });

  it('need a package to go in', () => {
    expect(() => bundlePaths('/main.ts')).toThrow(/no package.json above it/);
  });
});
