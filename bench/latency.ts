// Run from the repository root: node --import tsx bench/latency.ts [--meters 1000] [--seconds 60] [--shares 0.5,0.8]
// End-to-end latency, from an event's publication to its feature in Redis, with exactly-once on, at
// 50 % and 80 % of the rate the pipeline sustains. All eight services run; a backlog of the same
// meters first gives the sustained rate. Then bench/load-generator.ts, its own process, offers each
// share open-loop, and Redis keyspace notifications say when each meter's latest feature changes.
//
// A feature cannot exist before event time has moved far enough to close its step, so its latency
// counts from the scheduled send time of the first event that lets it exist, not of its own reading:
// clean gives a meter step T out once a partition has seen ts >= T + 15 min + grace, and feature
// joins it once clean gave out the weather of T's hour, i.e. once ts >= hour(T) + 1 h + grace; a
// meter without a station (tags.station) has no weather to wait for. Send
// times are the schedule's (t0 + k/rate), so a generator or broker falling behind adds to latency.
// Writes bench/results/<date>-latency.json.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { TopicClient } from '@gridstream/runtime';
import { topicNames } from '@gridstream/schemas';
import { contracts } from '@gridstream/sources';
import { cpuSeconds, parseStackPids, readStackEnv, runStack, uniqueName } from '@gridstream/test-kit';
import { defaultSimulationConfig, simulate, type SimulationConfig } from '../packages/simulator/src/index.js';
import { drain, hopQuantiles, PARTITIONS, publishBacklog, startPipeline, type PipelineServices } from './pipeline-services.js';
import { positiveIntegerArg, repoRoot, writeResult } from './results.js';

const HOUR_MS = 3_600_000;
const METER_STEP_MS = contracts.meter!.cadenceMs;
const GRACE_MS = 30 * 60_000;
const BACKLOG_HOURS = 12;

const { values: args } = parseArgs({ options: { meters: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '60' }, shares: { type: 'string', default: '0.5,0.8' } } });
const meters = positiveIntegerArg('--meters', args.meters, '1000');
const seconds = positiveIntegerArg('--seconds', args.seconds, '60');
const shares = args.shares.split(',').map(Number);
if (!shares.every((share) => share > 0 && share <= 2)) {
  console.error(`--shares: expected shares of the sustained rate between 0 and 2, got "${args.shares}"; e.g. --shares 0.5,0.8`);
  process.exit(2);
}

runStack('up', 'kafka', 'registry', 'redis', 'influxdb');
const stack = readStackEnv();
const serverPids = parseStackPids(runStack('status'));
const client = await new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, clientId: 'gridstream-bench' }).connect();
const prefix = uniqueName('bench-latency');
const t = topicNames(prefix);
// Meters and weather only, without faults: every step is sent once, in event-time order.
const noFaults = { duplicateShare: 0, outOfOrderShare: 0, lateShare: 0, gapShare: 0, outlierShare: 0, malformedShare: 0, futureTsShare: 0, unitChangeShare: 0 };
const simulation = (startTs: number, hours: number): SimulationConfig =>
  defaultSimulationConfig({ seed: 11, meters, regions: 0, weatherStations: 4, tepUnits: 0, tepFault: null, startTs, durationMs: hours * HOUR_MS, faults: noFaults });

const redis = new Redis(stack.redisUrl);
const subscriber = new Redis(stack.redisUrl);
const [, notifyBefore] = (await redis.config('GET', 'notify-keyspace-events')) as [string, string];
try {
  const backlogStart = Date.UTC(2026, 0, 1);
  await client.ensureTopics([{ topic: t.ingestJson, partitions: PARTITIONS }]);
  const backlog = await publishBacklog(client, t.ingestJson, simulate(simulation(backlogStart, BACKLOG_HOURS)));
  // Idle timeouts far off: between the phases no step may close by the clock, only by event time.
  const pipeline = await startPipeline(stack, client, prefix, { CLEAN_GRACE_MS: String(GRACE_MS), CLEAN_IDLE_MS: '600000', FEATURE_WEATHER_IDLE_MS: '600000' });
  try {
    const sustained = backlog / (await drain(pipeline, backlog, 10 * 60_000));
    console.error(`sustained: ${Math.round(sustained)} events/s over a backlog of ${backlog} events (${meters} meters and 4 stations, ${BACKLOG_HOURS} h)`);

    await redis.config('SET', 'notify-keyspace-events', 'Kh');
    let startTs = backlogStart + BACKLOG_HOURS * HOUR_MS;
    const phases = [];
    for (const share of shares) {
      const rate = share * sustained;
      const hours = Math.max(2, Math.round((rate * seconds) / (4 * meters + 4)));
      const phase = await offer(rate, simulation(startTs, hours), pipeline);
      phases.push({ share, rate, hours, ...phase });
      console.error(`${share * 100} %: ${Math.round(rate)} events/s, ${phase.sent} events: p50 ${phase.p50Ms} ms, p99 ${phase.p99Ms} ms over ${phase.features} features (generator at worst ${phase.generatorBehindMs} ms behind)`);
      console.error(`  CPU, % of one core: ${Object.entries(phase.cpuPercent).map(([name, percent]) => `${name} ${percent}`).join(', ')}`);
      startTs += hours * HOUR_MS;
    }

    console.log(`| offered | events/s | features | p50 | p99 | max |\n| --- | ---: | ---: | ---: | ---: | ---: |`);
    for (const p of phases) console.log(`| ${p.share * 100} % of ${Math.round(sustained)}/s | ${Math.round(p.rate)} | ${p.features} | ${p.p50Ms} ms | ${p.p99Ms} ms | ${p.maxMs} ms |`);
    // Where the time goes: each service's own histogram, from a record reaching its input topic to its batch committed.
    // And how many batches (transactions, for a stage) it took: a stage pays per transaction, whatever it holds.
    console.log(`\n| hop: input topic → committed | ${phases.map((p) => `p50 / p99 at ${p.share * 100} % | batches/s, records each`).join(' | ')} |\n| --- |${phases.map(() => ' --- | --- |').join('')}`);
    for (const stage of Object.keys(phases[0]!.hops)) {
      const cells = phases.map((p) => {
        const hop = p.hops[stage]!;
        return `${hop.p50} / ${hop.p99} | ${Math.round(hop.batches / p.seconds)}, ${(hop.records / Math.max(1, hop.batches)).toFixed(1)}`;
      });
      console.log(`| ${stage} | ${cells.join(' | ')} |`);
    }
    // Where the CPU goes while the load is offered: the pipeline's services, the stack's servers, the generator.
    console.log(`\n| CPU, % of one core (2 cores: 200) | ${phases.map((p) => `at ${p.share * 100} %`).join(' | ')} |\n| --- |${phases.map(() => ' ---: |').join('')}`);
    for (const name of Object.keys(phases[0]!.cpuPercent)) console.log(`| ${name} | ${phases.map((p) => p.cpuPercent[name]).join(' | ')} |`);
    console.log(`\nwritten to ${writeResult('latency', { meters, partitions: PARTITIONS, graceMs: GRACE_MS, backlogEvents: backlog, sustainedEventsPerSecond: sustained, phases })}`);
  } finally {
    await pipeline.stop();
  }
} finally {
  await redis.config('SET', 'notify-keyspace-events', notifyBefore);
  redis.disconnect();
  subscriber.disconnect();
  await client.close();
}

/** Offers `config`'s events at `rate` and measures each meter feature's latency until the pipeline is through. */
async function offer(rate: number, config: SimulationConfig, pipeline: PipelineServices) {
  const hopsBefore = await pipeline.hopLatencies();
  const cpuBefore = cpuReadings(pipeline);
  const cpuBeforeMs = Date.now();
  const events = [...simulate(config)];
  const schedule = events.map((event) => event.truth.ts);
  const withStation = new Set(events.filter((event) => event.key?.startsWith('meter:') && (JSON.parse(event.line) as { tags: { station?: string } }).tags.station).map((event) => event.key));
  const sent = schedule.length;
  const endTs = config.startTs + config.durationMs;
  const t0 = Date.now() + 3_000;
  /** When the first event that lets the feature at `ts` of `meter` exist was due, or null if this phase sends none. */
  const releasedAt = (meter: string, ts: number): number | null => {
    const stepClosed = ts + METER_STEP_MS + GRACE_MS;
    const ready = withStation.has(meter) ? Math.max(stepClosed, Math.floor(ts / HOUR_MS) * HOUR_MS + HOUR_MS + GRACE_MS) : stepClosed;
    let [low, high] = [0, sent];
    while (low < high) {
      const mid = (low + high) >> 1;
      if (schedule[mid]! < ready) low = mid + 1;
      else high = mid;
    }
    return low < sent ? t0 + (low * 1000) / rate : null;
  };

  const latencies: number[] = [];
  const channelPrefix = `__keyspace@0__:${prefix}:latest:`;
  const onNotification = (_pattern: string, channel: string, event: string) => {
    if (event !== 'hset') return;
    const seenAt = Date.now();
    void redis.hget(channel.slice('__keyspace@0__:'.length), 'ts').then((value) => {
      const ts = Number(value);
      if (!(ts >= config.startTs && ts < endTs)) return; // an earlier phase's feature
      const released = releasedAt(channel.slice(channelPrefix.length), ts);
      if (released !== null) latencies.push(seenAt - released);
    });
  };
  subscriber.on('pmessage', onNotification);
  await subscriber.psubscribe(`${channelPrefix}meter:*`);

  const generator = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/load-generator.ts', '--brokers', stack.kafkaBrokers.join(','), '--topic', t.ingestJson, '--rate', String(rate), '--count', String(sent), '--t0', String(t0), '--config', JSON.stringify(config)],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let report = '';
  generator.stdout.on('data', (chunk: Buffer) => (report += chunk.toString()));
  const exitCode = await new Promise<number | null>((resolve) => generator.once('exit', resolve));
  if (exitCode !== 0) throw new Error(`the load generator exited with ${exitCode}`);
  const generatorReport = JSON.parse(report) as { worstBehindMs: number; cpuSeconds: number };
  while ((await pipeline.totalLag()) > 0) await new Promise((resolve) => setTimeout(resolve, 250));
  const phaseSeconds = (Date.now() - t0) / 1000;
  const cpuAfter = cpuReadings(pipeline);
  const cpuSecondsUsed: Record<string, number> = { ...Object.fromEntries(Object.entries(cpuAfter).map(([name, seconds]) => [name, seconds - cpuBefore[name]!])), 'load generator': generatorReport.cpuSeconds };
  const cpuPercent = percentOfOneCore(cpuSecondsUsed, (Date.now() - cpuBeforeMs) / 1000);
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // the last notifications' reads
  await subscriber.punsubscribe();
  subscriber.off('pmessage', onNotification);

  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? Number.NaN);
  const hops = Object.fromEntries([...(await pipeline.hopLatencies())].map(([stage, after]) => [stage, hopQuantiles(hopsBefore.get(stage), after)]));
  return { sent, features: latencies.length, minMs: at(0), p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), generatorBehindMs: Math.round(generatorReport.worstBehindMs), seconds: phaseSeconds, cpuPercent, hops };
}

/** CPU seconds used so far by each service, each of the stack's servers and this bench (which reads the features' times from Redis). */
function cpuReadings(pipeline: PipelineServices): Record<string, number> {
  const { user, system } = process.cpuUsage();
  return {
    ...pipeline.cpuSeconds(),
    ...Object.fromEntries([...serverPids].map(([server, pid]) => [server, cpuSeconds(pid)])),
    'this bench': (user + system) / 1e6,
  };
}

/** Each process's CPU as a share of one core over `seconds`, largest first, with the total (two cores make 200). */
function percentOfOneCore(used: Record<string, number>, seconds: number): Record<string, number> {
  const percent = Object.entries(used)
    .map(([name, cpu]) => [name, Math.round((100 * cpu) / seconds)] as const)
    .sort((a, b) => b[1] - a[1]);
  return { ...Object.fromEntries(percent), total: percent.reduce((sum, [, p]) => sum + p, 0) };
}
