import { parseArgs } from 'node:util';
import { InfluxDB } from '@influxdata/influxdb-client';
import { z } from 'zod';
import { defaultOpsPorts, parseConfig } from '@gridstream/runtime';
import { topicPrefixPattern } from '@gridstream/schemas';
import { newestPipeline, readDashboard } from './view/dashboard-panels.js';
import { startViewServer } from './view/server.js';

const usage = `usage: gridstream view [--port 18088] [--pipeline <topic prefix>] [--metrics host:port,...]`;

/** InfluxDB as the InfluxDB sink reads it, and the pipeline the services were started with, if set. */
export const ViewConfig = z
  .object({
    INFLUX_URL: z.url().default('http://127.0.0.1:18086').describe('the InfluxDB 2 base URL, e.g. http://127.0.0.1:8086'),
    INFLUX_TOKEN: z.string().min(1).describe(`an InfluxDB API token that can read the bucket (eval "$(scripts/stack env)" sets the local stack's)`),
    INFLUX_ORG: z.string().min(1).default('gridstream').describe('the organisation name'),
    INFLUX_BUCKET: z.string().min(1).default('gridstream').describe('the bucket name'),
    GRIDSTREAM_TOPIC_PREFIX: z.string().regex(topicPrefixPattern).optional().describe("1-200 letters, digits, '.', '_' or '-'"),
  })
  .transform((env) => ({ url: env.INFLUX_URL.replace(/\/$/, ''), token: env.INFLUX_TOKEN, org: env.INFLUX_ORG, bucket: env.INFLUX_BUCKET, topicPrefix: env.GRIDSTREAM_TOPIC_PREFIX }));

const configError = (message: string) => Object.assign(new Error(message), { code: 'config' });

/**
 * A local view without Grafana: serves a page on 127.0.0.1 with the energy, quality and pipeline
 * panels, read from InfluxDB (the dashboards' own Flux) and the services' /metrics, until Ctrl-C.
 */
export async function viewCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string', default: '18088' }, pipeline: { type: 'string' }, metrics: { type: 'string' } } });
  const port = Number(values.port);
  const addresses = values.metrics?.split(',') ?? Object.values(defaultOpsPorts).sort((a, b) => a - b).map((opsPort) => `127.0.0.1:${opsPort}`);
  if (!/^\d+$/.test(values.port) || port > 65535 || (values.pipeline !== undefined && !topicPrefixPattern.test(values.pipeline)) || !addresses.every((a) => /^[^\s/]+:\d+$/.test(a))) {
    throw configError(usage);
  }
  const config = parseConfig(ViewConfig, process.env);
  const dashboards = { energy: readDashboard('energy'), quality: readDashboard('quality') };
  const queryApi = new InfluxDB({ url: config.url, token: config.token, timeout: 60_000 }).getQueryApi(config.org);

  let pipeline = values.pipeline ?? config.topicPrefix;
  if (pipeline === undefined) {
    // A wrong INFLUX_URL or token is the usual cause, so it is reported like a bad setting.
    const newest = await newestPipeline(queryApi, config.bucket).catch((error: Error) => {
      throw configError(`cannot query InfluxDB at ${config.url} (INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG): ${error.message}`);
    });
    if (newest === null) throw configError(`no pipeline tag in bucket ${config.bucket} at ${config.url} yet; pass --pipeline <topic prefix>`);
    pipeline = newest;
  }

  const view = await startViewServer({ port, queryApi, bucket: config.bucket, pipeline, dashboards, metricsAddresses: addresses }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EADDRINUSE' ? configError(`port ${port} is in use; pass --port <another port>`) : error;
  });
  console.log(`gridstream view: ${view.url}`);
  console.log(`  pipeline ${pipeline}, InfluxDB ${config.url} bucket ${config.bucket}, /metrics of ${addresses.join(', ')}; Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await view.close();
}
