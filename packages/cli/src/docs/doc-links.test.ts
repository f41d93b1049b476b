import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './generated-docs.js';
import { anchorOf } from './markdown.js';

const docs = ['architecture.md', 'topics.md', 'configuration.md', 'operations.md', 'add-a-stage.md'].map((name) => join(repoRoot, 'docs', name));
const read = (path: string) => readFileSync(path, 'utf8');
const withoutCode = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');

/** The anchors GitHub gives a Markdown file: its headings (repeats numbered) and explicit `<a name>` anchors. */
function anchorsOf(path: string): Set<string> {
  const markdown = read(path).replace(/^```[\s\S]*?^```/gm, '');
  const anchors = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = anchorOf(heading!);
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  for (const [, name] of markdown.matchAll(/<a (?:name|id)="([^"]+)"/g)) anchors.add(name!);
  return anchors;
}

/** Why a link from `from` to `target` (a path, a #anchor or both) leads nowhere, or undefined. */
function brokenLink(from: string, target: string): string | undefined {
  const [path, anchor] = target.split('#') as [string, string | undefined];
  const file = path === '' ? from : join(dirname(from), path);
  if (!existsSync(file)) return `${target}: no such file`;
  if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).has(anchor)) return `${target}: no such heading`;
  return undefined;
}

describe('links in the docs', () => {
  it.each(docs.map((path) => [relative(repoRoot, path), path]))('%s links only to files and headings that exist', (_name, path) => {
    const links = [...withoutCode(read(path)).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/.test(target));
    expect(links.map((target) => brokenLink(path, target)).filter((problem) => problem !== undefined)).toEqual([]);
  });

  it('has the sections the alerts link to', () => {
    const operations = join(repoRoot, 'docs', 'operations.md');
    const promised = ['consumer-lag', 'event-time-lag', 'dead-letters', 'source-stale', 'sink-failing', 'service-down', 'transactions-aborting'];
    const rulesDir = join(repoRoot, 'deploy', 'prometheus', 'rules');
    const runbooks = existsSync(rulesDir)
      ? readdirSync(rulesDir)
          .filter((name) => /\.ya?ml$/.test(name))
          .flatMap((name) => [...read(join(rulesDir, name)).matchAll(/runbook_url: docs\/operations\.md#([\w-]+)/g)].map((m) => m[1]!))
      : [];
    const anchors = anchorsOf(operations);
    expect([...new Set([...promised, ...runbooks])].filter((anchor) => !anchors.has(anchor))).toEqual([]);
  });
});
