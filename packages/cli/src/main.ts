import { parseArgs } from 'node:util';
import { dlqCommand } from './dlq-command.js';
import { ingestCommand } from './ingest-command.js';
import { replayCommand } from './replay-command.js';
import { simulateCommand } from './simulate-command.js';
import { viewCommand } from './view-command.js';

const usage = `usage: gridstream <command> [options]

  simulate               publish simulated meter, EIA, weather and TEP events (gridstream simulate --help)
  ingest file <path>...  ingest CSV, JSON, NDJSON, EIA API v2 JSON, TEP CSV or Parquet files into <p>.raw
  ingest url <url>       fetch a body (e.g. an EIA API v2 query) and ingest it like a file
  dlq list               dead letters by stage and reason (--stage, --reason; --records for each one)
  dlq show <p>:<offset>  one dead letter: its headers and its payload, decoded where it was Avro
  dlq redrive            send dead letters back to the topic they came from (--stage, --reason, --dry-run)
  replay --topic T --from ISO --to ISO [--no-check]
                         write a topic's records in an event-time range to Redis and InfluxDB again, with state hashes (--no-check: without)
  view [--port 18088] [--pipeline P] [--metrics host:port,...]
                         a local page with the Grafana dashboards' panels, from InfluxDB and the services' /metrics

Kafka and the registry come from KAFKA_BROKERS, SCHEMA_REGISTRY_URL and GRIDSTREAM_TOPIC_PREFIX;
InfluxDB from INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG and INFLUX_BUCKET.`;

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'simulate') await simulateCommand(rest);
  else if (command === 'ingest') await ingestCommand(rest);
  else if (command === 'dlq') await dlqCommand(rest);
  else if (command === 'replay') await replayCommand(rest);
  else if (command === 'view') await viewCommand(rest);
  else {
    console.error(usage);
    process.exitCode = command === undefined || command === '--help' ? 0 : 2;
  }
} catch (error) {
  if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (error as { code?: string }).code === 'config') {
    console.error(`gridstream ${command}: ${(error as Error).message}`);
    process.exitCode = 2;
  } else throw error;
}
