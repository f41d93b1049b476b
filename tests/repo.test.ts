import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('the repository', () => {
  it('has .ci/run run exactly the test command the README names', () => {
    const quickStart = read('README.md').split('## Quick start')[1]!;
    const testCommand = /^(\.\/scripts\/\S+)\s+# every test/m.exec(quickStart)?.[1];
    expect(testCommand).toBe('./scripts/test');
    const commands = read('.ci/run')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#') && !line.startsWith('set ') && !line.startsWith('cd '));
    expect(commands).toEqual([testCommand]);
  });

  it('pins every third-party version once, in the catalog of pnpm-workspace.yaml', () => {
    const manifests = ['package.json', ...['packages', 'services'].flatMap(packagesIn), 'tests/package.json'];
    const ranges = manifests.flatMap((path) => {
      const manifest = JSON.parse(read(path));
      return Object.entries({ ...manifest.dependencies, ...manifest.devDependencies }).map(
        ([name, range]) => `${path}: ${name}@${range}`,
      );
    });
    expect(ranges.length).toBeGreaterThan(10);
    expect(ranges.filter((entry) => !/@(catalog:|workspace:\*)$/.test(entry))).toEqual([]);
  });
});

function packagesIn(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, dir, entry.name, 'package.json')))
    .map((entry) => `${dir}/${entry.name}/package.json`);
}
