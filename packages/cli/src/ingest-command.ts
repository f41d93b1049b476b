import { parseArgs } from 'node:util';
import { ingestBytes, ingestFile, type FileIngestOptions, type FileIngestResult } from '@gridstream/ingest/ingest-file';
import { topicSettings } from '@gridstream/schemas';
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
      { topic: topics.dlq, partitions, config: topicSettings.dlq },
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
  const body = new Uint8Array(await response.arrayBuffer());
  return (await eiaRemainingPages(url, body)) ?? body;
}

interface EiaPage {
  response?: { total?: number | string; data?: unknown[] };
}

/**
 * The EIA API v2 returns at most `length` rows (5000) per request and says how many there are in
 * `response.total`. One respondent-hour may span two pages, so every page is fetched (by
 * `offset`) and the rows are joined into one body before grouping; null when there is one page.
 */
async function eiaRemainingPages(url: string, firstBody: Uint8Array): Promise<Uint8Array | null> {
  let first: EiaPage;
  try {
    first = JSON.parse(new TextDecoder().decode(firstBody)) as EiaPage;
  } catch {
    return null; // not JSON: the parser reports it
  }
  const data = first.response?.data;
  const total = Number(first.response?.total);
  if (!Array.isArray(data) || !Number.isInteger(total) || data.length === 0 || data.length >= total) return null;
  const rows = [...data];
  while (rows.length < total) {
    const page = new URL(url);
    page.searchParams.set('offset', String(rows.length));
    const response = await fetch(page);
    if (!response.ok) throw new Error(`GET ${page}: HTTP ${response.status} ${await response.text()}`);
    const next = ((await response.json()) as EiaPage).response?.data;
    if (!Array.isArray(next) || next.length === 0) throw new Error(`GET ${page}: no rows, but ${total - rows.length} of ${total} are missing`);
    rows.push(...next);
  }
  return new TextEncoder().encode(JSON.stringify({ response: { total, data: rows } }));
}

/** The last path segment names the DLQ origin, e.g. file:region-data for .../rto/region-data/data?... */
function nameOfUrl(url: string): string {
  const segments = new URL(url).pathname.split('/').filter((s) => s && s !== 'data');
  return segments.at(-1) ?? 'url';
}
