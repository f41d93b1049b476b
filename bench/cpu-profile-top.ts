// Run: node --import tsx bench/cpu-profile-top.ts <file.cpuprofile> [--top 25]
// Where a process spent its CPU, from a `node --cpu-prof` profile: self time per package (kafkajs,
// avsc, ioredis, a gridstream package, node's own, GC, idle) and the hottest functions. To profile a
// service under a bench, start the bench with GRIDSTREAM_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR";
// each service writes its profile to DIR when it exits. Frames of a bundle are traced back to their
// sources through its source map.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values: args, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
if (positionals.length !== 1) {
  console.error('usage: node --import tsx bench/cpu-profile-top.ts <file.cpuprofile> [--top 25]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));

// A service runs from its bundle (services/<name>/dist/main.mjs): each frame is put back in the
// source it was bundled from, through the bundle's source map, so kafkajs stays kafkajs.
const sourceMaps = new Map<string, SourceMap | null>();
for (const { callFrame } of profile.nodes) {
  if (!/\/dist\/[^/]+\.mjs$/.test(callFrame.url)) continue;
  if (!sourceMaps.has(callFrame.url)) {
    const mapPath = `${fileURLToPath(callFrame.url)}.map`;
    sourceMaps.set(callFrame.url, existsSync(mapPath) ? new SourceMap(JSON.parse(readFileSync(mapPath, 'utf8')) as SourceMapPayload) : null);
  }
  const entry = sourceMaps.get(callFrame.url)?.findEntry(callFrame.lineNumber, callFrame.columnNumber);
  if (entry && 'originalSource' in entry) {
    callFrame.url = new URL(entry.originalSource, callFrame.url).href;
    callFrame.lineNumber = entry.originalLine;
  }
}

/** The package a frame belongs to: a node_modules package, a workspace package or service, node itself, or V8's own entries. */
function packageOf({ url, functionName }: ProfileNode['callFrame']): string {
  if (url === '') return `(${functionName || 'native'})`;
  const module = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return module[1]!;
  const workspace = /\/(packages|services|bench)\/([^/]+)\//.exec(url);
  if (workspace) return `${workspace[1]}/${workspace[2]}`;
  if (url.startsWith('node:')) return 'node';
  return url;
}

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
const sum = (keyOf: (node: ProfileNode) => string) => {
  const byKey = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const key = keyOf(nodes.get(id)!);
    byKey.set(key, (byKey.get(key) ?? 0) + us);
  }
  return [...byKey].sort((a, b) => b[1] - a[1]);
};
const percent = (us: number) => `${((100 * us) / totalUs).toFixed(1)} %`;
const top = Number(args.top);

console.log(`${(totalUs / 1e6).toFixed(1)} s sampled\n\n| package | self |\n| --- | ---: |`);
for (const [pkg, us] of sum((node) => packageOf(node.callFrame)).slice(0, top)) console.log(`| ${pkg} | ${percent(us)} |`);
console.log('\n| function | where | self |\n| --- | --- | ---: |');
for (const [key, us] of sum((node) => `${node.callFrame.functionName || '(anonymous)'} | ${node.callFrame.url.replace(/^.*\/(node_modules|packages|services)\//, '$1/')}:${node.callFrame.lineNumber + 1}`).slice(0, top)) {
  console.log(`| ${key} | ${percent(us)} |`);
}
