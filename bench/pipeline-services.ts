// The eight services of a pipeline as processes on the local stack, for the benches that run all of them.
import type { OutgoingRecord, TopicClient } from '@gridstream/runtime';
import { topicNames, type Stage } from '@gridstream/schemas';
import { currentBundle, serviceEntry } from '@gridstream/service-build';
import { cpuSeconds, freePort, rssBytes, serverEnv, startBundle, startService, waitForReady, type ServiceProcess, type StackEnv } from '@gridstream/test-kit';
import { rawHopNames } from './passthrough-names.js';

export const PARTITIONS = 6;

/** What a bench's services and pass-throughs on `prefix` share: the stack, the partitions, quiet logs; `settings` on top. */
export function benchEnv(stack: StackEnv, prefix: string, settings: Record<string, string> = {}): Record<string, string> {
  return { ...serverEnv(stack), GRIDSTREAM_TOPIC_PREFIX: prefix, GRIDSTREAM_PARTITIONS: String(PARTITIONS), LOG_LEVEL: 'warn', ...settings };
}

/** Processes that read topics, as `drain` watches them. */
export interface Readers {
  /** Records left to read over every process's input: they are through at 0. */
  totalLag(): Promise<number>;
  /** Throws with its output if a process has exited. */
  checkRunning(): void;
  /** Notes each process's resident memory. */
  sampleRss?(): void;
  stop(): Promise<void>;
}

export interface PipelineServices extends Readers {
  services: Map<Stage, ServiceProcess>;
  sampleRss(): void;
  /** The CPU seconds each service has used so far. */
  cpuSeconds(): Record<string, number>;
  /** The highest resident memory `sampleRss` saw per service. */
  peakRssMb(): Record<string, number>;
  /** What V8 held at each of those peaks. */
  peakMemory(): Record<string, PeakMemory>;
  /** Each service's `gridstream_record_latency_seconds` buckets now: input topic to committed, per hop. */
  hopLatencies(): Promise<Map<Stage, HopLatency>>;
}

/** At a service's highest RSS: its V8 heap (old generation, new generation) and off-heap memory (Buffers), read from its /metrics right after, in MB. */
export interface PeakMemory {
  heap: number;
  oldSpace: number;
  newSpace: number;
  external: number;
}

/** A cumulative latency histogram: `le` upper bounds in seconds, and how many records fell at or under each; and the batches (a stage's transactions, a sink's writes) so far. */
export interface HopLatency {
  le: number[];
  counts: number[];
  batches: number;
}

/** The bucket bounds under which half and 99 % of the records fell between two snapshots of one hop. */
export function hopQuantiles(before: HopLatency | undefined, after: HopLatency): { records: number; batches: number; p50: string; p99: string } {
  const counts = after.counts.map((count, i) => count - (before?.counts[i] ?? 0));
  const records = counts.at(-1) ?? 0;
  const bound = (q: number) => {
    const i = counts.findIndex((count) => count >= q * records);
    return i < 0 || !Number.isFinite(after.le[i]!) ? `> ${after.le.at(-2)} s` : `≤ ${after.le[i]} s`;
  };
  return { records, batches: after.batches - (before?.batches ?? 0), p50: bound(0.5), p99: bound(0.99) };
}

/** Starts every service on `prefix` with `settings` on top of the defaults, and waits until each is ready. */
export async function startPipeline(stack: StackEnv, client: TopicClient, prefix: string, settings: Record<string, string> = {}): Promise<PipelineServices> {
  const t = topicNames(prefix);
  /** What each stage reads. */
  const inputs: Array<[Stage, string]> = [
    ['ingest', t.ingestJson],
    ['validate', t.raw],
    ['clean', t.valid],
    ['feature', t.clean],
    ['window', t.features],
    ['quality', t.qualityParts],
    ['redis-sink', t.features],
    ['influx-sink', t.features],
  ];
  const env = benchEnv(stack, prefix, { INGEST_TOKEN: 'bench-pipeline-token-0123', ...settings });
  // Every bundle built before any service starts, so no build competes with a service already at work on the backlog.
  for (const [stage] of inputs) currentBundle(serviceEntry(stage));
  const services = new Map<Stage, ServiceProcess>();
  const killAll = () => {
    for (const service of services.values()) service.child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const opsPorts = new Map<Stage, number>();
  for (const [stage] of inputs) {
    const port = await freePort();
    opsPorts.set(stage, port);
    services.set(stage, startService(stage, { ...env, GRIDSTREAM_OPS_PORT: String(port), ...(stage === 'ingest' ? { INGEST_HTTP_PORT: String(await freePort()) } : {}) }));
  }
  for (const [stage, service] of services) await waitForReady(service, opsPorts.get(stage)!, 180_000);

  const peakRss = new Map<Stage, number>();
  const peakMemory = new Map<Stage, PeakMemory>();
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  /** prom-client's default Node metrics (the runtime's /metrics has them), read after a new peak. */
  const readHeap = async (stage: Stage, rss: number) => {
    const text = await (await fetch(`http://127.0.0.1:${opsPorts.get(stage)}/metrics`)).text();
    const gauge = (pattern: string) => Number(new RegExp(`^${pattern} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
    if (rss < (peakRss.get(stage) ?? 0)) return; // a higher peak came meanwhile
    peakMemory.set(stage, {
      heap: mb(gauge('nodejs_heap_size_total_bytes')),
      oldSpace: mb(gauge('nodejs_heap_space_size_total_bytes\\{space="old"\\}')),
      newSpace: mb(gauge('nodejs_heap_space_size_total_bytes\\{space="new"\\}')),
      external: mb(gauge('nodejs_external_memory_bytes')),
    });
  };
  return {
    services,
    async hopLatencies() {
      const hops = new Map<Stage, HopLatency>();
      for (const [stage, port] of opsPorts) {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const buckets = [...text.matchAll(/^gridstream_record_latency_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\d+)/gm)];
        const batches = Number(/^gridstream_batch_size_records_count\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
        hops.set(stage, { le: buckets.map((b) => (b[1] === '+Inf' ? Infinity : Number(b[1]))), counts: buckets.map((b) => Number(b[2])), batches });
      }
      return hops;
    },
    totalLag: async () => (await Promise.all(inputs.map(([stage, topic]) => client.groupLag(t.group(stage), topic)))).reduce((a, b) => a + b, 0),
    sampleRss() {
      for (const [stage, service] of services) {
        const rss = service.child.pid === undefined ? 0 : rssBytes(service.child.pid);
        if (rss <= (peakRss.get(stage) ?? 0)) continue;
        peakRss.set(stage, rss);
        void readHeap(stage, rss).catch(() => undefined); // a service busy past the next sample is read at its next peak
      }
    },
    cpuSeconds: () => Object.fromEntries([...services].map(([stage, service]) => [stage, service.child.pid === undefined ? Number.NaN : cpuSeconds(service.child.pid)])),
    peakRssMb: () => Object.fromEntries([...peakRss].map(([stage, bytes]) => [stage, mb(bytes)])),
    peakMemory: () => Object.fromEntries(peakMemory),
    checkRunning() {
      for (const [stage, service] of services) if (service.child.exitCode !== null) throw new Error(`${stage} exited; its output:\n${service.output().slice(-4_000)}`);
    },
    async stop() {
      process.off('exit', killAll);
      for (const service of services.values()) service.child.kill('SIGTERM');
      await Promise.all([...services.values()].map((service) => service.exited));
    },
  };
}

/** Publishes records as fast as the broker takes them, 10k to a request; returns how many. */
export async function publishInChunks(client: TopicClient, topic: string, records: Iterable<OutgoingRecord>): Promise<number> {
  let count = 0;
  let chunk: OutgoingRecord[] = [];
  for (const record of records) {
    chunk.push(record);
    count += 1;
    if (chunk.length === 10_000) {
      await client.publish([{ topic, records: chunk }]);
      chunk = [];
    }
  }
  if (chunk.length > 0) await client.publish([{ topic, records: chunk }]);
  return count;
}

/** Publishes simulated events (one JSON line each); returns how many. */
export function publishBacklog(client: TopicClient, topic: string, events: Iterable<{ key: string | null; line: string }>): Promise<number> {
  return publishInChunks(client, topic, (function* () {
    for (const event of events) yield { key: event.key, value: event.line };
  })());
}

/**
 * Waits until every service has read everything, sampling memory on the way; returns the seconds
 * from the first progress seen (so start-up is not counted) to no lag left.
 */
export async function drain(pipeline: Readers, records: number, limitMs: number): Promise<number> {
  const startMs = performance.now();
  let firstMs: number | null = null;
  for (;;) {
    pipeline.sampleRss?.();
    const lag = await pipeline.totalLag();
    const nowMs = performance.now();
    firstMs ??= lag < records ? nowMs : null;
    if (lag === 0 && firstMs !== null) return (nowMs - firstMs) / 1000;
    pipeline.checkRunning();
    if (nowMs - startMs > limitMs) throw new Error(`not through after ${limitMs / 60_000} minutes; ${lag} records left`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * The baseline for the whole pipeline: raw pass-through hops (bench/passthrough.ts --from --to), as
 * many and in the same shape: four in a row from `input` as ingest, validate, clean and feature,
 * then four reading the fourth's output as window, quality and the two sinks do.
 */
export async function startHopChain(stack: StackEnv, client: TopicClient, prefix: string, input: string): Promise<Readers> {
  const hop = (n: number) => `${prefix}.hop${n}`;
  const hops: Array<[string, string]> = [[input, hop(1)], [hop(1), hop(2)], [hop(2), hop(3)], [hop(3), hop(4)], ...[5, 6, 7, 8].map((n): [string, string] => [hop(4), hop(n)])];
  // A hop cannot subscribe to a topic the hop before has not created yet.
  await client.ensureTopics(hops.map(([, to]) => ({ topic: to, partitions: PARTITIONS })));
  const env = benchEnv(stack, prefix);
  const processes = hops.map(([from, to]) => startBundle('bench/passthrough.ts', ['--from', from, '--to', to], env));
  const killAll = () => {
    for (const hopProcess of processes) hopProcess.child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const totalLag = async () => (await Promise.all(hops.map(([from, to]) => client.groupLag(rawHopNames(to).group, from)))).reduce((a, b) => a + b, 0);
  const chain: Readers = {
    totalLag,
    checkRunning() {
      processes.forEach((hopProcess, i) => {
        if (hopProcess.child.exitCode !== null) throw new Error(`hop ${i + 1} exited; its output:\n${hopProcess.output().slice(-4_000)}`);
      });
    },
    async stop() {
      process.off('exit', killAll);
      for (const hopProcess of processes) hopProcess.child.kill('SIGTERM');
      await Promise.all(processes.map((hopProcess) => hopProcess.exited));
    },
  };
  return chain;
}
