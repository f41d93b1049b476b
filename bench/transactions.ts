// Run from the repository root: node --import tsx bench/transactions.ts [--count 40]
// What one exactly-once transaction of one record costs a stage's producer on the local broker, by
// request: first back to back (each begun as the last one's commit returns), then with a pause of
// 30 ms between them. Each transaction adds its partition, produces, adds the consumer offsets,
// commits them and ends. Prints p50 and p90 in milliseconds; writes nothing.
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { readStackEnv, runStack, uniqueName } from '@gridstream/test-kit';
import { positiveIntegerArg } from './results.js';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '40' } } });
const count = positiveIntegerArg('--count', args.count, '40');

runStack('up', 'kafka');
const kafka = new Kafka({ brokers: readStackEnv().kafkaBrokers, clientId: 'gridstream-bench-transactions', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const topic = uniqueName('bench-transactions');
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }, { topic: `${topic}.in`, numPartitions: 1 }] });
const producer = kafka.producer({ transactionalId: topic, idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
try {
  for (const pauseMs of [0, 30]) {
    const phases = new Map<string, number[]>();
    for (let i = 0; i < count; i++) {
      const transaction = await producer.transaction();
      let lapStart = performance.now();
      const lap = (phase: string) => {
        const now = performance.now();
        phases.set(phase, [...(phases.get(phase) ?? []), now - lapStart]);
        lapStart = now;
      };
      await transaction.send({ topic, messages: [{ key: 'k', value: String(i) }] });
      lap('AddPartitionsToTxn + Produce');
      await transaction.sendOffsets({ consumerGroupId: `${topic}.group`, topics: [{ topic: `${topic}.in`, partitions: [{ partition: 0, offset: String(i + 1) }] }] });
      lap('AddOffsetsToTxn + TxnOffsetCommit');
      await transaction.commit();
      lap('EndTxn');
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    const all = [...phases.values()];
    phases.set('the transaction', all[0]!.map((_, i) => all.reduce((sum, times) => sum + times[i]!, 0)));
    console.log(`\n${count} transactions, ${pauseMs === 0 ? 'back to back' : `${pauseMs} ms apart`}:\n| request | p50 ms | p90 ms |\n| --- | ---: | ---: |`);
    for (const [phase, times] of phases) {
      const sorted = [...times].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
      console.log(`| ${phase} | ${at(0.5)} | ${at(0.9)} |`);
    }
  }
} finally {
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic, `${topic}.in`] });
  await admin.disconnect();
}
