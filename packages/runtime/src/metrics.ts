import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { dlqReasons } from './errors.js';

/**
 * A stage's Prometheus metrics, in a registry of its own so several stages can share a process in
 * tests. With `stage`, the input and dead-letter counters start at 0 for it: `increase()` cannot
 * see the first value of a series, so a first dead letter would otherwise never alert.
 */
export function stageMetrics(stage?: string) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics = {
    registry,
    recordsIn: new Counter({ name: 'gridstream_records_in_total', help: 'Records read from the input topic', labelNames: ['stage'], registers }),
    recordsOut: new Counter({ name: 'gridstream_records_out_total', help: 'Records written to an output topic', labelNames: ['stage', 'topic'], registers }),
    deadLettered: new Counter({ name: 'gridstream_dlq_records_total', help: 'Records sent to the DLQ', labelNames: ['stage', 'reason'], registers }),
    dropped: new Counter({
      name: 'gridstream_dropped_records_total',
      help: 'Records dropped on purpose, e.g. repeats of an (entity, ts), by reason and source',
      labelNames: ['stage', 'reason', 'source'],
      registers,
    }),
    qualityCounts: new Counter({
      name: 'gridstream_quality_counts_total',
      help: 'Data-quality counts of a source by kind: steps present, missing (in gaps), imputed, outliers (present with a flagged value); records duplicates, valid, invalid; entities (first seen in a window)',
      labelNames: ['stage', 'source', 'kind'],
      registers,
    }),
    qualityDelay: new Histogram({
      name: 'gridstream_quality_delay_seconds',
      help: 'From event time to ingestion, per record of a source (timeliness)',
      labelNames: ['stage', 'source'],
      buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600],
      registers,
    }),
    sourceEventTime: new Gauge({
      name: 'gridstream_source_event_time_seconds',
      help: 'The newest event time seen from a source, epoch seconds (a source gone stale stops moving it)',
      labelNames: ['stage', 'source'],
      registers,
    }),
    recordLatency: new Histogram({
      name: 'gridstream_record_latency_seconds',
      help: 'From a record reaching the input topic to its results being committed',
      labelNames: ['stage'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    endToEndLatency: new Histogram({
      name: 'gridstream_end_to_end_latency_seconds',
      help: "From ingest accepting an event to a sink's store acknowledging the result (records carrying ingestedAt)",
      labelNames: ['stage'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    sinkWriteFailing: new Gauge({
      name: 'gridstream_sink_write_failing',
      help: "1 while a sink's latest write to its store failed and a partition waits to retry, else 0",
      labelNames: ['stage'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'gridstream_batch_size_records',
      help: 'Records per processed batch (one transaction)',
      labelNames: ['stage'],
      buckets: [1, 10, 50, 100, 500, 1000, 5000, 10000],
      registers,
    }),
    offsetLag: new Gauge({ name: 'gridstream_consumer_lag_records', help: 'Records behind the end of the input partition', labelNames: ['stage', 'partition'], registers }),
    eventTimeLag: new Gauge({
      name: 'gridstream_event_time_lag_seconds',
      help: 'Wall clock minus the newest event time processed, per input partition',
      labelNames: ['stage', 'partition'],
      registers,
    }),
    restoreDuration: new Histogram({
      name: 'gridstream_state_restore_seconds',
      help: 'Time to restore a partition state from its changelog',
      labelNames: ['stage'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    restoredEntities: new Counter({ name: 'gridstream_state_restored_entities_total', help: 'Entity states read back from the changelog', labelNames: ['stage'], registers }),
    retries: new Counter({ name: 'gridstream_retries_total', help: 'Batches retried after a transient fault, by error code', labelNames: ['stage', 'code'], registers }),
    transactions: new Counter({
      name: 'gridstream_transactions_total',
      help: 'Transactions by outcome: committed, aborted, or uncertain (commit failed; the producer is recreated)',
      labelNames: ['stage', 'outcome'],
      registers,
    }),
    assignedPartitions: new Gauge({ name: 'gridstream_assigned_partitions', help: 'Input partitions assigned to this instance', labelNames: ['stage'], registers }),
  };
  if (stage !== undefined) {
    metrics.recordsIn.inc({ stage }, 0);
    for (const reason of dlqReasons) metrics.deadLettered.inc({ stage, reason }, 0);
  }
  return metrics;
}
export type StageMetrics = ReturnType<typeof stageMetrics>;
