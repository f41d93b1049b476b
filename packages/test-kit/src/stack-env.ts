import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Where the local stack's servers listen, as `scripts/stack env` reports it. */
export interface StackEnv {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  redisUrl: string;
  influx: { url: string; token: string; org: string; bucket: string };
}

export const stackScript = fileURLToPath(new URL('../../../scripts/stack', import.meta.url));

/** Parses the `NAME=value` lines of `scripts/stack env`; a missing name is an error, not a default. */
export function parseStackEnv(text: string): StackEnv {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) vars.set(match[1]!, match[2]!);
  }
  const get = (name: string): string => {
    const value = vars.get(name);
    if (!value) throw new Error(`scripts/stack env did not print ${name}; got:\n${text}`);
    return value;
  };
  return {
    kafkaBrokers: get('KAFKA_BROKERS').split(','),
    schemaRegistryUrl: get('SCHEMA_REGISTRY_URL'),
    redisUrl: get('REDIS_URL'),
    influx: {
      url: get('INFLUX_URL'),
      token: get('INFLUX_TOKEN'),
      org: get('INFLUX_ORG'),
      bucket: get('INFLUX_BUCKET'),
    },
  };
}

/** The servers' addresses as the services' environment variables (what `scripts/stack env` printed). */
export function serverEnv(stack: StackEnv): Record<string, string> {
  return {
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    REDIS_URL: stack.redisUrl,
    INFLUX_URL: stack.influx.url,
    INFLUX_TOKEN: stack.influx.token,
    INFLUX_ORG: stack.influx.org,
    INFLUX_BUCKET: stack.influx.bucket,
  };
}

/** Runs `scripts/stack <args>` and returns its standard output; its progress goes to stderr. */
export function runStack(...args: string[]): string {
  return execFileSync(stackScript, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

export function readStackEnv(): StackEnv {
  return parseStackEnv(runStack('env'));
}
