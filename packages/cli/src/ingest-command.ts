import { parseArgs } from 'node:util';
import { ingestBytes, ingestFile, type FileIngestOptions, type FileIngestResult } from '@gridstream/ingest/ingest-file';
import { connectFromEnv } from './connect.js';
import { progressBar } from './progress-bar.js';

const formats = ['ndjson', 'json', 'eia', 'tep-csv', 'csv', 'parquet'] as const;

export async function ingestCommand(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string' } } });
  const [what, ...targets] = positionals;
  const format = values.format as (typeof formats)[number] | undefined;
  if ((what !== 'file' && what !== 'url') || targets.length === 0 || (format && !formats.includes(format))) {
    throw Object.assign(new Error(`usage: gridstream ingest file <path>... | url <url> [--format ${formats.join('|')}]`), { code: 'config' });
  }
  const { client, topics, partitions } = await connectFromEnv();
  try {
    await client.ensureTopics([
      { topic: topics.raw, partitions },
      { topic: topics.dlq, partitions },
    ]);
    const encodeRaw = await client.avroEncoder('raw', topics.raw);
    let rejectedTotal = 0;
    for (const target of targets) {
      const bar = progressBar(target, 0);
      const options: FileIngestOptions = { client, topics, encodeRaw, ...(format && { format }), onProgress: (done, total) => bar.update(done, total) };
      const result = what === 'file' ? await ingestFile(target, options) : await ingestBytes(nameOfUrl(target), await fetchBody(target), options);
      bar.finish();
      report(target, result);
      rejectedTotal += result.rejected.length;
    }
    if (rejectedTotal > 0) process.exitCode = 1;
  } finally {
    await client.close();
  }
}

function report(target: string, result: FileIngestResult): void {
  console.log(`${target}: ${result.format}, ${result.accepted} accepted, ${result.rejected.length} rejected (in the DLQ)`);
  for (const rejection of result.rejected.slice(0, 10)) console.log(`  line ${rejection.line}: ${rejection.reason}: ${rejection.message}`);
  if (result.rejected.length > 10) console.log(`  … ${result.rejected.length - 10} more`);
}

async function fetchBody(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The last path segment names the DLQ origin, e.g. file:region-data for .../rto/region-data/data?... */
function nameOfUrl(url: string): string {
  const segments = new URL(url).pathname.split('/').filter((s) => s && s !== 'data');
  return segments.at(-1) ?? 'url';
}
