import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Stage } from '@gridstream/schemas';
import { services } from '../config-catalog.js';
import { generatedDocs, regenerateCommand, repoRoot } from './generated-docs.js';
import { changelogStages, topicRoles, type TopicKey } from './topics-reference.js';

describe('generated docs', () => {
  it.each(generatedDocs)('$path is what its renderer writes', ({ path, render }) => {
    const file = join(repoRoot, path);
    const onDisk = existsSync(file) ? readFileSync(file, 'utf8') : '';
    expect(onDisk, `${path} is out of date; regenerate it with: ${regenerateCommand}`).toBe(render());
  });
});

/** What a service's main.ts wires: the topics it reads and writes, and whether it keeps state. */
function wiringOf(service: Stage): { reads: string[]; writes: string[]; stateful: boolean } {
  const main = readFileSync(join(repoRoot, 'services', service, 'src', 'main.ts'), 'utf8');
  const one = (field: string) => [...main.matchAll(new RegExp(`\\b${field}: '([\\w-]+)'`, 'g'))].map((m) => m[1]!);
  const list = (field: string) => [...(new RegExp(`\\b${field}: \\[([^\\]]*)\\]`).exec(main)?.[1] ?? '').matchAll(/'(\w+)'/g)].map((m) => m[1]!);
  expect(one('stage'), `services/${service}/src/main.ts runs stage ${service}`).toEqual([service]);
  return { reads: [...one('input'), ...list('inputs')], writes: [...one('output'), ...list('outputs')], stateful: /\bstate:/.test(main) };
}

describe('the topics reference', () => {
  const roles = Object.entries(topicRoles) as Array<[TopicKey, (typeof topicRoles)[TopicKey]]>;
  const wiring = () => new Map(services.map((service) => [service, wiringOf(service)]));
  const isStage = (who: string): who is Stage => (services as string[]).includes(who);

  it('names every topic a service reads or writes in its main.ts, and no other', () => {
    const wired = [...wiring()].flatMap(([stage, { reads, writes }]) => [...reads.map((topic) => `${stage} reads ${topic}`), ...writes.map((topic) => `${stage} writes ${topic}`)]);
    const documented = roles.flatMap(([topic, role]) => [
      ...role.readers.filter(isStage).map((stage) => `${stage} reads ${topic}`),
      ...role.writers.filter(isStage).map((stage) => `${stage} writes ${topic}`),
    ]);
    expect(documented.sort()).toEqual(wired.sort());
  });

  it('lists the changelog of every stage that keeps state', () => {
    const stateful = [...wiring()].filter(([, { stateful }]) => stateful).map(([stage]) => stage);
    expect([...changelogStages].sort()).toEqual(stateful.sort());
  });
});
