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
    const manifests = ['package.json', ...['packages', 'services'].flatMap(packagesIn), 'tests/package.json', 'bench/package.json'];
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

describe('package boundaries', () => {
  // Services and shared packages reach Kafka, Avro and the registry only through the runtime.
  // Tests, fixtures and build scripts may use them directly to check the real parts.
  const guarded = /from '(kafkajs|avsc|@kafkajs\/confluent-schema-registry)'/;
  // Benchmarks need the raw clients for their baselines, e.g. a plain kafkajs pass-through; the
  // test kit is test code that cleans the stack up (pruneScratch).
  const exempt = ['packages/runtime/', 'packages/test-kit/', 'bench/'];

  it('keep kafkajs, avsc and the registry client inside packages/runtime', () => {
    const offenders = ['packages', 'services']
      .flatMap((dir) => sourceFiles(dir))
      .filter((path) => !exempt.some((prefix) => path.startsWith(prefix)))
      .filter((path) => guarded.test(read(path)));
    expect(offenders).toEqual([]);
  });
});

/** Production TypeScript under dir: src/ folders, without tests. */
function sourceFiles(dir: string): string[] {
  // Walked by hand so node_modules (hundreds of thousands of entries) is never entered.
  const walk = (relative: string): string[] =>
    readdirSync(join(root, relative), { withFileTypes: true }).flatMap((entry) => {
      const path = `${relative}/${entry.name}`;
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(path);
      return path.includes('/src/') && path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
    });
  return walk(dir);
}

function packagesIn(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, dir, entry.name, 'package.json')))
    .map((entry) => `${dir}/${entry.name}/package.json`);
}
