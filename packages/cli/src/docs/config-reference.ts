// docs/configuration.md, read off the zod schemas the services parse their environment with
// (through the config catalog), so the reference cannot drift from the code.
import { existsSync, readFileSync } from 'node:fs';
import { CleanConfig } from '@gridstream/clean/config';
import { parseConfig } from '@gridstream/runtime';
import type { Stage } from '@gridstream/schemas';
import { ownVariables, runtimeVariables, services, variablesOf, type ConfigVariable } from '../config-catalog.js';
import { ViewConfig } from '../view-command.js';
import { code, table } from './markdown.js';
import { regenerateCommand } from './regenerate-command.js';

const repoFile = (path: string) => new URL(`../../../../${path}`, import.meta.url);

/** The variables of the runtime the `gridstream` command uses (packages/cli/src/connect.ts). */
const cliRuntimeVariables = ['GRIDSTREAM_TOPIC_PREFIX', 'KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'GRIDSTREAM_PARTITIONS'];

export function renderConfigReference(): string {
  const shared = sharedRuntimeVariables();
  const opsPort = (service: Stage) => runtimeVariables(service).find((v) => v.name === 'GRIDSTREAM_OPS_PORT')!.default!;
  const byName = new Map(shared.map((v) => [v.name, v]));
  const cliShared = cliRuntimeVariables.map((name) => {
    const variable = byName.get(name);
    if (!variable) throw new Error(`the CLI's runtime variable ${name} is not in the runtime's schema any more`);
    return variable;
  });

  return `# Configuration

<!-- Generated from the services' zod schemas by \`${regenerateCommand}\`; edit the schemas, not this file. -->

Every service takes its settings from environment variables, and nothing else. At start-up the
runtime parses them once with the service's zod schema and the runtime's own
(\`packages/runtime/src/runtime-config.ts\`), and freezes the result; no service code reads
\`process.env\` itself. A variable without a default is required. A missing or bad value stops the service
before it connects to anything, and the message names the variable, what it expects, what it got
and an example, one line per problem:

\`\`\`text
${badValueExample()}
\`\`\`

This page is generated: \`${regenerateCommand}\` rewrites it, and a unit test fails while it
differs from the schemas. The columns are the variable, its default (**required** when it has
none) and what it expects, from the schema's description.

## Services

${services.map((service) => serviceSection(service)).join('\n\n')}

## Shared settings (every service)

Every stage and sink also parses the runtime's settings. They are the same for every service,
except the default of ${code('GRIDSTREAM_OPS_PORT')}, which differs per service (below) so that a whole
pipeline fits on one host.

${variableTable(shared, (v) => (v.name === 'GRIDSTREAM_OPS_PORT' ? 'per service, below' : undefined))}

Default ${code('GRIDSTREAM_OPS_PORT')} (the port of ${code('/metrics')}, ${code('/healthz')} and ${code('/readyz')}):

${table(
  ['service', 'GRIDSTREAM_OPS_PORT'],
  services.map((service) => [service, opsPort(service)]),
)}

- ${code('GRIDSTREAM_PARTITIONS')} is used only when a service creates a topic that does not exist yet;
  an existing topic keeps its partitions ([topics.md](topics.md)).
- ${code('GRIDSTREAM_OPS_HOST')} is ${code('127.0.0.1')} by default: set it to ${code('0.0.0.0')} in a container, or
  Prometheus and the orchestrator cannot reach the endpoints.
- ${code('GRIDSTREAM_RETRY_INITIAL_MS')} and ${code('GRIDSTREAM_RETRY_MAX_MS')} bound the capped exponential
  backoff (with full jitter) before a paused partition retries after a transient fault.

## The gridstream command

The commands of ${code('scripts/gridstream')} that talk to Kafka (${code('simulate --to kafka')}, ${code('ingest')}, ${code('dlq')},
${code('replay')}) parse the shared settings above the way ingest does, so a bad value stops them. They use these:

${variableTable(cliShared)}

${code('gridstream replay')} writes through the sinks' own writers, so it also parses the Redis sink's and
the InfluxDB sink's settings:

${variableTable([...ownVariables('redis-sink'), ...ownVariables('influx-sink')])}

${code('gridstream view')} (the local web view) reads InfluxDB with these; its port, pipeline and
${code('/metrics')} addresses are options (${code('--port')}, ${code('--pipeline')}, ${code('--metrics')}):

${variableTable(variablesOf(ViewConfig))}

${code('gridstream simulate --to http')} sends ${code('INGEST_TOKEN')} (the ingest service's token) as its bearer
token; that one is read as it is, not through a schema.
`;
}

function serviceSection(service: Stage): string {
  const own = ownVariables(service);
  const doc = existsSync(repoFile(`docs/${service}.md`)) ? ` What it does: [${service}.md](${service}.md).` : '';
  const body = own.length === 0 ? 'No settings of its own.' : variableTable(own);
  return `### ${service}\n\n${descriptionOf(service)}.${doc}\n\n${body}`;
}

/** The service's package description, with topic names as code and its doc link dropped (added above). */
function descriptionOf(service: Stage): string {
  const manifest = JSON.parse(readFileSync(repoFile(`services/${service}/package.json`), 'utf8')) as { description?: string };
  return (manifest.description ?? service)
    .replace(/ \(docs\/[\w-]+\.md\)$/, '')
    .replace(/<p>\.[\w.]+/g, (topic) => code(topic));
}

/** `defaultText` may say something else than the schema's default, e.g. where it differs per service. */
function variableTable(variables: ConfigVariable[], defaultText: (v: ConfigVariable) => string | undefined = () => undefined): string {
  const defaultOf = (v: ConfigVariable) => defaultText(v) ?? (v.default === undefined ? '**required**' : v.default === '' ? '(empty)' : code(v.default));
  return table(
    ['variable', 'default', 'expects'],
    variables.map((v) => [code(v.name), defaultOf(v), v.description]),
  );
}

/** The runtime's variables, checked to differ between services in GRIDSTREAM_OPS_PORT's default only. */
function sharedRuntimeVariables(): ConfigVariable[] {
  const withoutOpsPort = (variables: ConfigVariable[]) => JSON.stringify(variables.map((v) => (v.name === 'GRIDSTREAM_OPS_PORT' ? { ...v, default: undefined } : v)));
  const [first, ...rest] = services;
  const reference = runtimeVariables(first!);
  for (const service of rest) {
    if (withoutOpsPort(runtimeVariables(service)) !== withoutOpsPort(reference)) {
      throw new Error(`the runtime's settings of ${service} differ from ${first}'s in more than GRIDSTREAM_OPS_PORT: say how on this page`);
    }
  }
  return reference;
}

/** What a bad value does, from the real parser. */
function badValueExample(): string {
  try {
    parseConfig(CleanConfig, { CLEAN_GRACE_MS: '5s' });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('CLEAN_GRACE_MS=5s parsed: pick another bad value for the example');
}
