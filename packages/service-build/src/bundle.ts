// Builds a program of the repository (a service's main.ts, a bench's hop) into one ES module that
// plain Node runs: `<package>/dist/<name>.mjs`. Run from source through tsx, every service also
// carried tsx's loader thread and its compiled sources, about 40 MB of RSS per process.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const buildMain = fileURLToPath(new URL('./main.ts', import.meta.url));

/** The bundle of `entry` (a path from the repository root), and the list of files it was built from. */
export function bundlePaths(entry: string): { bundle: string; inputs: string } {
  let packageDir = dirname(resolve(repoRoot, entry));
  while (!existsSync(join(packageDir, 'package.json'))) {
    if (dirname(packageDir) === packageDir) throw new Error(`${entry}: no package.json above it, so no package to put its bundle in`);
    packageDir = dirname(packageDir);
  }
  const name = basename(entry).replace(/\.ts$/, '');
  return { bundle: join(packageDir, 'dist', `${name}.mjs`), inputs: join(packageDir, 'dist', `${name}.inputs.json`) };
}

/**
 * `import.meta.url` in a bundled source keeps naming that source, so the files it reads beside it
 * (the Avro schemas, say) are found as when it runs unbundled. The bundle is therefore built in
 * place, for the tree it sits in, as the image builds it in /app. (So a bundled program cannot tell
 * it is the main module by comparing import.meta.url with process.argv[1]: keep programs apart
 * from the modules other code imports.)
 */
const ownUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const source = readFileSync(args.path, 'utf8');
      return { loader: 'ts', contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)) };
    });
  },
};

/** Builds the bundle of `entry`, every dependency inside it; written under a temporary name and renamed, so a concurrent build never leaves half a file. */
export async function buildBundle(entry: string): Promise<string> {
  const { bundle, inputs } = bundlePaths(entry);
  mkdirSync(dirname(bundle), { recursive: true });
  const result = await build({
    entryPoints: [resolve(repoRoot, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    outfile: bundle,
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
    // Bundled CommonJS packages still call require() for Node's own modules.
    banner: { js: "import { createRequire as gridstreamCreateRequire } from 'node:module'; const require = gridstreamCreateRequire(import.meta.url);" },
    plugins: [ownUrl],
  });
  const temporary = `.${process.pid}.tmp`;
  for (const file of result.outputFiles) writeFileSync(file.path + temporary, file.contents);
  writeFileSync(inputs + temporary, JSON.stringify(Object.keys(result.metafile.inputs).map((input) => resolve(repoRoot, input))));
  for (const file of result.outputFiles) renameSync(file.path + temporary, file.path);
  renameSync(inputs + temporary, inputs);
  return bundle;
}

/** Whether the bundle exists and is newer than every file it was built from. */
export function bundleIsCurrent(entry: string): boolean {
  const { bundle, inputs } = bundlePaths(entry);
  if (!existsSync(bundle) || !existsSync(inputs)) return false;
  const builtMs = statSync(bundle).mtimeMs;
  const sources = JSON.parse(readFileSync(inputs, 'utf8')) as string[];
  return sources.every((source) => existsSync(source) && statSync(source).mtimeMs <= builtMs);
}

const current = new Map<string, string>();

/**
 * The bundle of `entry`, rebuilt first when a source changed since it was built. Synchronous, for
 * callers that start a process at once (tests, benches, the demo): the build runs in a child.
 */
export function currentBundle(entry: string): string {
  const known = current.get(entry);
  if (known !== undefined) return known;
  if (!bundleIsCurrent(entry)) execFileSync(process.execPath, ['--import', 'tsx', buildMain, entry], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  const { bundle } = bundlePaths(entry);
  current.set(entry, bundle);
  return bundle;
}

/** Every service's entry point, `services/<name>/src/main.ts`. */
export function serviceEntry(name: string): string {
  return `services/${name}/src/main.ts`;
}

/** The services of the repository: each directory under services/ with a src/main.ts. */
export function serviceNames(): string[] {
  return readdirSync(join(repoRoot, 'services')).filter((name) => existsSync(join(repoRoot, serviceEntry(name)))).sort();
}
