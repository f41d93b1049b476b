// Every service's settings, read off the zod schemas the services parse their environment with,
// so the configuration reference, the Helm chart's test and the demo cannot drift from the code.
import { z } from 'zod';
import { CleanConfig } from '@gridstream/clean/config';
import { FeatureConfig } from '@gridstream/feature/config';
import { InfluxSinkConfig } from '@gridstream/influx-sink/config';
import { IngestConfig } from '@gridstream/ingest/config';
import { QualityConfig } from '@gridstream/quality/config';
import { RedisSinkConfig } from '@gridstream/redis-sink/config';
import { runtimeConfigSchema } from '@gridstream/runtime';
import type { Stage } from '@gridstream/schemas';
import { ValidateConfig } from '@gridstream/validate/config';
import { WindowConfig } from '@gridstream/window/config';

/** One environment variable a service reads. */
export interface ConfigVariable {
  name: string;
  /** What it expects, from the schema's `.describe()`. */
  description: string;
  /** Its default as the environment would spell it; undefined when it is required. */
  default: string | undefined;
}

const ownConfigs: Record<Stage, z.ZodType> = {
  ingest: IngestConfig,
  validate: ValidateConfig,
  clean: CleanConfig,
  feature: FeatureConfig,
  quality: QualityConfig,
  window: WindowConfig,
  'redis-sink': RedisSinkConfig,
  'influx-sink': InfluxSinkConfig,
};

/** The services in pipeline order. */
export const services = Object.keys(ownConfigs) as Stage[];

/** The variables a zod object schema (or a pipe from one) reads, in its order. */
export function variablesOf(schema: z.ZodType): ConfigVariable[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  const properties = (json.properties ?? {}) as Record<string, { description?: string; default?: unknown }>;
  return Object.entries(properties).map(([name, property]) => ({
    name,
    description: property.description ?? '',
    default: property.default === undefined ? undefined : String(property.default),
  }));
}

/** A service's own settings (its prefix: CLEAN_, REDIS_, …). */
export function ownVariables(service: Stage): ConfigVariable[] {
  return variablesOf(ownConfigs[service]);
}

/** The runtime's settings every service shares; only GRIDSTREAM_OPS_PORT's default differs by service. */
export function runtimeVariables(service: Stage): ConfigVariable[] {
  return variablesOf(runtimeConfigSchema(service));
}
