// Run: node --import tsx bench/load-generator.ts --brokers H:P --topic T --rate N --count N --t0 MS --config JSON
// (bench/latency.ts starts it). An open-loop load: event k of simulate(config) is due at t0 + k/rate
// (epoch ms) and is sent when due, whether or not earlier sends were acknowledged, so a slow
// pipeline or broker cannot slow the offer down. Prints one JSON line when done: how many events
// it sent, how far behind their schedule the sends fell at worst, and the CPU seconds it used.
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners, type Message } from 'kafkajs';
import { simulate, type SimulationConfig } from '../packages/simulator/src/index.js';

const { values: args } = parseArgs({
  options: { brokers: { type: 'string' }, topic: { type: 'string' }, rate: { type: 'string' }, count: { type: 'string' }, t0: { type: 'string' }, config: { type: 'string' } },
});
const [rate, count, t0] = [Number(args.rate), Number(args.count), Number(args.t0)];
const config = JSON.parse(args.config!) as SimulationConfig;

const kafka = new Kafka({ clientId: 'gridstream-bench-load', brokers: args.brokers!.split(','), logLevel: logLevel.WARN });
// The default partitioner is the one TopicClient.publish uses: the same key lands where it would.
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
await producer.connect();

const events = simulate(config);
const inFlight = new Set<Promise<unknown>>();
let sent = 0;
let worstBehindMs = 0;
while (sent < count) {
  const now = Date.now();
  const due = Math.min(count, Math.floor(((now - t0) * rate) / 1000) + 1);
  if (due > sent) {
    worstBehindMs = Math.max(worstBehindMs, now - (t0 + (sent * 1000) / rate));
    const messages: Message[] = [];
    for (; sent < due; sent++) {
      const event = events.next();
      if (event.done) throw new Error(`the simulation ended after ${sent} events; ${count} were asked for`);
      messages.push({ key: event.value.key, value: event.value.line });
    }
    const send = producer.send({ topic: args.topic!, acks: -1, messages });
    inFlight.add(send);
    void send.finally(() => inFlight.delete(send));
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
}
await Promise.all(inFlight);
await producer.disconnect();
const { user, system } = process.cpuUsage();
console.log(JSON.stringify({ sent, worstBehindMs, cpuSeconds: (user + system) / 1e6 }));
