import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultSimulationConfig, groundTruthLine, simulate, type SimulatedEvent } from '@gridstream/simulator';
import { connectFromEnv } from './connect.js';
import { progressBar } from './progress-bar.js';

const help = `usage: gridstream simulate [options]
  --seed N          PRNG seed (1)                 --start ISO     first event time (2026-01-01T00:00:00Z)
  --hours N         event-time span (24)          --meters N      smart meters (100)
  --regions N       EIA regions (4)               --weather N     weather stations (4)
  --tep N           TEP units (1)                 --no-faults     send clean data only
  --rate N          events per second, 0 = as fast as possible (0)
  --minutes N       spread the events evenly over about N minutes (sets --rate)
  --to kafka|http   the JSON topic <p>.ingest.json, or POST to --url with INGEST_TOKEN (kafka)
  --url URL         ingest's HTTP base, e.g. http://127.0.0.1:18090
  --truth FILE      write the ground truth as NDJSON`;

const chunkEvents = 1_000;

export async function simulateCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string', default: '1' },
      start: { type: 'string', default: '2026-01-01T00:00:00Z' },
      hours: { type: 'string', default: '24' },
      meters: { type: 'string', default: '100' },
      regions: { type: 'string', default: '4' },
      weather: { type: 'string', default: '4' },
      tep: { type: 'string', default: '1' },
      'no-faults': { type: 'boolean', default: false },
      rate: { type: 'string', default: '0' },
      minutes: { type: 'string' },
      to: { type: 'string', default: 'kafka' },
      url: { type: 'string' },
      truth: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(help);
  const number = (name: string, text: string) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw Object.assign(new Error(`--${name}: expected a non-negative number, got "${text}"\n${help}`), { code: 'config' });
    return n;
  };
  const startTs = Date.parse(values.start);
  if (Number.isNaN(startTs)) throw Object.assign(new Error(`--start: expected an ISO 8601 time, got "${values.start}"`), { code: 'config' });
  if (values.to !== 'kafka' && values.to !== 'http') throw Object.assign(new Error(`--to: expected kafka or http, got "${values.to}"`), { code: 'config' });
  const token = process.env.INGEST_TOKEN;
  if (values.to === 'http' && (!values.url || !token)) {
    throw Object.assign(new Error('--to http needs --url and the INGEST_TOKEN environment variable'), { code: 'config' });
  }
  const config = defaultSimulationConfig({
    seed: number('seed', values.seed),
    startTs,
    durationMs: number('hours', values.hours) * 3_600_000,
    meters: number('meters', values.meters),
    regions: number('regions', values.regions),
    weatherStations: number('weather', values.weather),
    tepUnits: number('tep', values.tep),
    ...(values['no-faults'] && {
      faults: { duplicateShare: 0, outOfOrderShare: 0, lateShare: 0, gapShare: 0, outlierShare: 0, malformedShare: 0, futureTsShare: 0, unitChangeShare: 0 },
    }),
  });
  // Counting means generating everything once more; cheap next to sending it.
  const ratePerS = values.minutes === undefined ? number('rate', values.rate) : countEvents(config) / Math.max(1, number('minutes', values.minutes) * 60);
  const truth = values.truth ? createWriteStream(values.truth) : null;
  const send = values.to === 'http' ? httpSender(values.url!, token!) : await kafkaSender();
  const bar = progressBar('simulate', 0);
  const startedMs = Date.now();
  let sent = 0;
  let chunk: SimulatedEvent[] = [];
  const flush = async () => {
    await send.send(chunk);
    for (const event of chunk) truth?.write(`${groundTruthLine(event)}\n`);
    sent += chunk.length;
    chunk = [];
    bar.update(sent, sent);
    if (ratePerS > 0) await sleep(startedMs + (sent / ratePerS) * 1000 - Date.now());
  };
  try {
    for (const event of simulate(config)) {
      chunk.push(event);
      if (chunk.length >= (ratePerS > 0 ? Math.max(1, Math.min(chunkEvents, Math.round(ratePerS / 10))) : chunkEvents)) await flush();
    }
    if (chunk.length > 0) await flush();
    bar.finish();
    console.log(`sent ${sent} events to ${values.to === 'http' ? values.url : 'the JSON topic'}${values.truth ? `; ground truth in ${values.truth}` : ''}`);
  } finally {
    truth?.end();
    await send.close();
  }
}

function countEvents(config: ReturnType<typeof defaultSimulationConfig>): number {
  let count = 0;
  for (const _ of simulate(config)) count += 1;
  return count;
}

interface Sender {
  send(events: SimulatedEvent[]): Promise<void>;
  close(): Promise<void>;
}

async function kafkaSender(): Promise<Sender> {
  const { client, topics, partitions } = await connectFromEnv();
  await client.ensureTopics([{ topic: topics.ingestJson, partitions }]);
  return {
    send: (events) => client.publish([{ topic: topics.ingestJson, records: events.map((e) => ({ key: e.key, value: e.line })) }]),
    close: () => client.close(),
  };
}

/** POSTs NDJSON; a 503 (Kafka down behind ingest) is retried after its Retry-After. */
function httpSender(baseUrl: string, token: string): Sender {
  const url = new URL('/v1/measurements', baseUrl);
  return {
    async send(events) {
      for (let attempt = 1; ; attempt++) {
        const response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
          body: events.map((e) => e.line).join('\n'),
        });
        if (response.status === 202) return;
        if (response.status !== 503 || attempt >= 10) throw new Error(`POST ${url}: HTTP ${response.status} ${await response.text()}`);
        await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
      }
    },
    close: async () => undefined,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
