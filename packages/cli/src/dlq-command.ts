import { parseArgs } from 'node:util';
import type { TopicClient, TopicRecord } from '@gridstream/runtime';
import { valueSchemaOf, type AvroTopic, type TopicNames } from '@gridstream/schemas';
import { connectFromEnv } from './connect.js';

const usage = `usage: gridstream dlq list [--stage S] [--reason R] [--records]
       gridstream dlq show <partition>:<offset>
       gridstream dlq redrive [--stage S] [--reason R] [--dry-run]`;

/** The header a redriven record carries: the dead letter it came from, as <dlq topic>/<partition>/<offset>. */
export const redrivenFromHeader = 'gridstream.redriven.from';

export async function dlqCommand(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { stage: { type: 'string' }, reason: { type: 'string' }, records: { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
  });
  const [action, target, ...extra] = positionals;
  const position = target === undefined ? null : /^(\d+):(\d+)$/.exec(target);
  const valid = extra.length === 0 && ((action === 'show' && position !== null) || ((action === 'list' || action === 'redrive') && target === undefined));
  if (!valid) throw Object.assign(new Error(usage), { code: 'config' });

  const { client, topics } = await connectFromEnv();
  try {
    const deadLetters = (await client.readAll(topics.dlq))
      .filter((d) => (values.stage === undefined || stageOf(d) === values.stage) && (values.reason === undefined || reasonOf(d) === values.reason))
      .sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    if (action === 'list') listDeadLetters(deadLetters, values.records === true);
    else if (action === 'show') await showDeadLetter(client, topics, deadLetters, Number(position![1]), position![2]!);
    else await redrive(client, topics, deadLetters, values['dry-run'] === true);
  } finally {
    await client.close();
  }
}

const stageOf = (d: TopicRecord) => d.headers['__connect.errors.stage'] ?? '?';
const reasonOf = (d: TopicRecord) => d.headers['gridstream.reason'] ?? '?';
const originOf = (d: TopicRecord) => `${d.headers['__connect.errors.topic']}/${d.headers['__connect.errors.partition']}/${d.headers['__connect.errors.offset']}`;
const isoOf = (ms: string | undefined) => (ms === undefined ? '-' : new Date(Number(ms)).toISOString());

/** Counts by stage and reason with the failure times they span; each record too with --records. */
function listDeadLetters(deadLetters: TopicRecord[], each: boolean): void {
  const groups = new Map<string, { count: number; first: number; last: number; redriven: number }>();
  for (const d of deadLetters) {
    const key = `${stageOf(d)}\t${reasonOf(d)}`;
    const group = groups.get(key) ?? { count: 0, first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY, redriven: 0 };
    group.count += 1;
    group.first = Math.min(group.first, Number(d.headers['gridstream.failure.first.ms'] ?? d.timestampMs));
    group.last = Math.max(group.last, Number(d.headers['gridstream.failure.last.ms'] ?? d.timestampMs));
    if (d.headers[redrivenFromHeader] !== undefined) group.redriven += 1;
    groups.set(key, group);
  }
  console.log(`${deadLetters.length} dead letters`);
  console.log(`${'stage'.padEnd(10)} ${'reason'.padEnd(18)} ${'count'.padStart(7)} ${'redriven'.padStart(8)}  first failure             last failure`);
  for (const [key, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [stage, reason] = key.split('\t') as [string, string];
    console.log(`${stage.padEnd(10)} ${reason.padEnd(18)} ${String(g.count).padStart(7)} ${String(g.redriven).padStart(8)}  ${isoOf(String(g.first))}  ${isoOf(String(g.last))}`);
  }
  if (!each) return;
  for (const d of deadLetters) {
    console.log(`${d.partition}:${d.offset}  ${stageOf(d)} ${reasonOf(d)}  from ${originOf(d)}  ${d.headers['__connect.errors.exception.message'] ?? ''}`);
  }
}

/** One dead letter: its headers, failure times as ISO, and its payload decoded where the original topic is Avro. */
async function showDeadLetter(client: TopicClient, topics: TopicNames, deadLetters: TopicRecord[], partition: number, offset: string): Promise<void> {
  const d = deadLetters.find((r) => r.partition === partition && r.offset === offset);
  if (!d) throw Object.assign(new Error(`no dead letter at ${partition}:${offset} in ${topics.dlq} (with the filters given); list them with: gridstream dlq list --records`), { code: 'config' });
  console.log(`${topics.dlq} ${partition}:${offset}, key ${d.key ?? '(none)'}`);
  for (const [name, value] of Object.entries(d.headers).sort(([a], [b]) => (a < b ? -1 : 1))) {
    console.log(`  ${name}: ${name.endsWith('.ms') ? `${value} (${isoOf(value)})` : value}`);
  }
  console.log(`payload (${d.value?.length ?? 0} bytes):`);
  console.log(await describePayload(client, topics, d));
}

async function describePayload(client: TopicClient, topics: TopicNames, d: TopicRecord): Promise<string> {
  const bytes = d.value ?? Buffer.alloc(0);
  const avroTopic = avroTopicOf(topics, d.headers['__connect.errors.topic']);
  if (avroTopic) {
    try {
      return JSON.stringify(await client.decodeAvro(avroTopic, bytes), null, 2);
    } catch (error) {
      return `does not decode as ${valueSchemaOf[avroTopic]} (${(error as Error).message}); hex:\n${hex(bytes)}`;
    }
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return text.includes('\uFFFD') ? `hex:\n${hex(bytes)}` : text;
}

function hex(bytes: Buffer): string {
  const shown = bytes.subarray(0, 512);
  const lines = [];
  for (let i = 0; i < shown.length; i += 32) lines.push(shown.subarray(i, i + 32).toString('hex').replace(/(..)/g, '$1 ').trimEnd());
  return lines.join('\n') + (bytes.length > shown.length ? `\n… ${bytes.length - shown.length} more bytes` : '');
}

/** The Avro topic of this prefix a dead letter came from, if it came from one. */
function avroTopicOf(topics: TopicNames, topic: string | undefined): AvroTopic | undefined {
  return (Object.keys(valueSchemaOf) as AvroTopic[]).find((key) => topics[key] === topic);
}

/**
 * Publishes each dead letter's original key and bytes back to the topic it was read from, with its
 * own headers (not the DLQ's) and where it was redriven from. Input that came over HTTP or from a
 * file has no topic to go back to and is skipped. The stages drop repeats of an (entity, ts), so
 * redriving a record twice does not double it.
 */
async function redrive(client: TopicClient, topics: TopicNames, deadLetters: TopicRecord[], dryRun: boolean): Promise<void> {
  const byTopic = new Map<string, TopicRecord[]>();
  const skipped: TopicRecord[] = [];
  for (const d of deadLetters) {
    const origin = d.headers['__connect.errors.topic'];
    if (origin === undefined || !origin.startsWith(`${topics.prefix}.`)) skipped.push(d);
    else {
      const records = byTopic.get(origin);
      if (records) records.push(d);
      else byTopic.set(origin, [d]);
    }
  }
  for (const [topic, records] of byTopic) console.log(`${dryRun ? 'would redrive' : 'redriving'} ${records.length} to ${topic}`);
  if (skipped.length > 0) {
    const origins = [...new Set(skipped.map((d) => d.headers['__connect.errors.topic'] ?? '(unknown)'))].join(', ');
    console.log(`skipped ${skipped.length} that came from outside Kafka (${origins}): send them again instead`);
  }
  if (dryRun) return;
  await client.publish(
    [...byTopic].map(([topic, records]) => ({
      topic,
      records: records.map((d) => ({
        key: d.key,
        value: d.value,
        headers: {
          ...Object.fromEntries(Object.entries(d.headers).filter(([name]) => !name.startsWith('__connect.errors.') && !name.startsWith('gridstream.'))),
          [redrivenFromHeader]: `${topics.dlq}/${d.partition}/${d.offset}`,
        },
      })),
    })),
  );
  console.log(`redrove ${[...byTopic.values()].reduce((sum, records) => sum + records.length, 0)}`);
}
