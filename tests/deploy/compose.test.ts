// docker-compose.yml and the Dockerfile never run here (no Docker engine), so this holds them to the
// code instead: every service with its command, only variables it reads, addresses another
// container really listens on, and files that are in the repository.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ownVariables, runtimeVariables, services } from '@gridstream/cli/config-catalog';
import { runtimeConfigSchema } from '@gridstream/runtime';

interface ComposeService {
  build?: string | { context: string };
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  restart?: string;
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: unknown;
}

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
// Compose merges `<<: *anchor` keys, so the parser must too.
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const composeServices = compose.services;
const service = (name: string): ComposeService => composeServices[name] ?? {};

/** A service's environment as compose hands it over, with `${NAME:-default}` at its default. */
function envOf(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service(name).environment ?? {}).map(([key, value]) => [
      key,
      String(value).replace(/\$\{\w+:-([^}]*)\}/g, (_, fallback: string) => fallback),
    ]),
  );
}

/** The container ports a service publishes; for Kafka, the ports it advertises under its own name. */
function portsOf(name: string): number[] {
  const advertised = envOf(name).KAFKA_ADVERTISED_LISTENERS;
  if (advertised) {
    return [...advertised.matchAll(/\/\/([^:,]+):(\d+)/g)].filter((m) => m[1] === name).map((m) => Number(m[2]));
  }
  return (service(name).ports ?? []).map((mapping) => Number(mapping.split(':').at(-1)!.split('/')[0]));
}

/** `host:port` addresses in text whose host is a compose service, with where they were found. */
function addressesIn(text: string, where: string): { where: string; host: string; port: number }[] {
  return [...text.matchAll(/\b([a-z][a-z0-9-]*):(\d+)\b/g)]
    .filter((m) => m[1]! in composeServices)
    .map((m) => ({ where, host: m[1]!, port: Number(m[2]) }));
}

/** Where each bind mount's container path comes from in the repository. */
function bindMounts(name: string): Map<string, string> {
  return new Map(
    (service(name).volumes ?? [])
      .filter((volume) => volume.startsWith('.'))
      .map((volume) => {
        const [source, target] = volume.split(':');
        return [target!, source!];
      }),
  );
}

function filesUnder(dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((path) => `${dir}/${path}`);
}

// The Dockerfile's last stage is the image; line continuations joined.
const dockerfile = read('Dockerfile').replace(/\\\n/g, ' ');
const finalStage = dockerfile.split(/^FROM\s/im).at(-1)!;
const instruction = (name: string) => [...finalStage.matchAll(new RegExp(`^${name}\\s+(.+)$`, 'gim'))].at(-1)?.[1]?.trim();
const imageEntrypoint = JSON.parse(instruction('ENTRYPOINT') ?? 'null') as string[] | null;
const imageCmd = JSON.parse(instruction('CMD') ?? 'null') as string[] | null;
const sharedImage = service('ingest').image;
const buildContext = (s: ComposeService) => (typeof s.build === 'string' ? s.build : s.build?.context);
const cliEntry = 'packages/cli/src/main.ts';
/** Where the image's build puts a service's bundle (packages/service-build), from its services/<name>/src/main.ts. */
const bundleOf = (name: string) => `services/${name}/dist/main.mjs`;

describe('the image', () => {
  it("runs as a non-root user in /app, each service from the bundle built in the image", () => {
    expect(instruction('USER')).toMatch(/^(?!root\b|0\b)\S+/);
    expect(instruction('WORKDIR')).toBe('/app');
    expect(imageEntrypoint).toEqual(['node', '--enable-source-maps']);
    expect(services.map(bundleOf)).toContain(imageCmd?.[0]);
    expect(imageCmd).toHaveLength(1);
    // The install stage builds every service's bundle after the install.
    expect(dockerfile).toMatch(/^RUN node --import tsx packages\/service-build\/src\/main\.ts$/m);
  });

  it("leaves the host's node_modules and .git out of the build", () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
  });
});

describe('docker-compose.yml', () => {
  it('runs every service of the config catalog, and the CLI, from the one image', () => {
    expect(sharedImage).toEqual(expect.any(String));
    const built = Object.entries(composeServices).filter(([, s]) => s.build !== undefined).map(([name]) => name);
    expect(built.sort()).toEqual([...services, 'cli'].sort());
    for (const name of built) {
      expect({ name, context: buildContext(service(name)), image: service(name).image }).toEqual({ name, context: '.', image: sharedImage });
    }
  });

  it("starts each service from its bundle with the image's entrypoint", () => {
    for (const name of services) {
      const s = service(name);
      expect({ name, entrypoint: s.entrypoint, command: s.command, restart: s.restart }).toEqual({
        name,
        entrypoint: undefined,
        command: [bundleOf(name)],
        restart: 'unless-stopped',
      });
      expect(existsSync(join(root, `services/${name}/src/main.ts`))).toBe(true);
    }
  });

  it('runs the gridstream command only on demand, through tsx', () => {
    const cli = service('cli');
    expect(cli.profiles?.length).toBeGreaterThan(0);
    expect(cli.entrypoint).toEqual(['node', '--import', 'tsx', cliEntry]);
    expect(existsSync(join(root, cliEntry))).toBe(true);
  });

  it('gives each service only variables it reads, every required one, and values its runtime accepts', () => {
    // The CLI reads the runtime's settings (as ingest), INGEST_TOKEN to simulate over HTTP, and both sinks' for replay.
    const readers = [
      ...services.map((name) => ({ name, stage: name, variables: [...ownVariables(name), ...runtimeVariables(name)] })),
      {
        name: 'cli',
        stage: 'ingest' as const,
        variables: [
          ...runtimeVariables('ingest'),
          ...ownVariables('ingest').filter((v) => v.name === 'INGEST_TOKEN'),
          ...ownVariables('redis-sink'),
          ...ownVariables('influx-sink'),
        ],
      },
    ];
    for (const { name, stage, variables } of readers) {
      const env = envOf(name);
      const known = variables.map((v) => v.name);
      expect({ name, unknown: Object.keys(env).filter((key) => !known.includes(key)) }).toEqual({ name, unknown: [] });
      const required = variables.filter((v) => v.default === undefined).map((v) => v.name);
      expect({ name, missing: required.filter((key) => !env[key]) }).toEqual({ name, missing: [] });
      expect({ name, runtimeAccepts: runtimeConfigSchema(stage).safeParse(env).success }).toEqual({ name, runtimeAccepts: true });
    }
  });

  it('listens on all interfaces inside containers and publishes only on 127.0.0.1', () => {
    for (const name of services) expect({ name, host: envOf(name).GRIDSTREAM_OPS_HOST }).toEqual({ name, host: '0.0.0.0' });
    expect(envOf('ingest').INGEST_HTTP_HOST).toBe('0.0.0.0');
    const published = Object.values(composeServices).flatMap((s) => s.ports ?? []);
    expect(published.filter((mapping) => !mapping.startsWith('127.0.0.1:'))).toEqual([]);
  });

  it("publishes each service's ops port, and ingest's HTTP port", () => {
    for (const name of services) {
      const defaultOf = (variables: { name: string; default: string | undefined }[], key: string) => variables.find((v) => v.name === key)?.default;
      const opsPort = Number(envOf(name).GRIDSTREAM_OPS_PORT ?? defaultOf(runtimeVariables(name), 'GRIDSTREAM_OPS_PORT'));
      const httpPort = name === 'ingest' ? [Number(envOf(name).INGEST_HTTP_PORT ?? defaultOf(ownVariables(name), 'INGEST_HTTP_PORT'))] : [];
      expect({ name, ports: portsOf(name) }).toEqual({ name, ports: [opsPort, ...httpPort] });
    }
  });

  it('names only addresses another container listens on (environment, Prometheus targets, Grafana datasources)', () => {
    const prometheusConfig = read('deploy/prometheus/prometheus.compose.yml');
    const grafanaProvisioning = filesUnder('deploy/grafana/provisioning').filter((path) => /\.ya?ml$/.test(path));
    const addresses = [
      ...Object.keys(composeServices).flatMap((name) =>
        Object.entries(envOf(name)).flatMap(([key, value]) => addressesIn(value, `${name} ${key}`).filter((a) => a.host !== name)),
      ),
      ...addressesIn(prometheusConfig, 'deploy/prometheus/prometheus.compose.yml'),
      ...grafanaProvisioning.flatMap((path) => addressesIn(read(path), path)),
    ];
    expect(addresses.filter((a) => a.where.startsWith('deploy/grafana'))).not.toEqual([]);
    expect(addresses.filter((a) => !portsOf(a.host).includes(a.port))).toEqual([]);
  });

  it('has Prometheus scrape every service and Grafana get the tokens its provisioning names', () => {
    const prometheus = parse(read('deploy/prometheus/prometheus.compose.yml')) as {
      scrape_configs?: { static_configs?: { targets?: string[] }[] }[];
    };
    const targets = (prometheus.scrape_configs ?? []).flatMap((job) => (job.static_configs ?? []).flatMap((c) => c.targets ?? []));
    expect(targets).toEqual(expect.arrayContaining(services.map((name) => `${name}:${portsOf(name)[0]}`)));

    const provisioning = filesUnder('deploy/grafana/provisioning').filter((path) => /\.ya?ml$/.test(path));
    const named = provisioning.flatMap((path) => [...read(path).matchAll(/\$\{?([A-Z][A-Z0-9_]*)\}?/g)].map((m) => m[1]!));
    expect(named.filter((key) => !(key in envOf('grafana')))).toEqual([]);
    // One token: what InfluxDB is set up with is what the sink, Grafana and the CLI send.
    const tokens = ['influx-sink', 'grafana', 'cli'].map((name) => envOf(name).INFLUX_TOKEN);
    expect(tokens).toEqual(tokens.map(() => envOf('influxdb').DOCKER_INFLUXDB_INIT_ADMIN_TOKEN));
  });

  it('mounts files that are in the repository, at the paths their configurations name', () => {
    expect(Object.fromEntries(bindMounts('grafana'))).toEqual({
      '/etc/grafana/provisioning': './deploy/grafana/provisioning',
      '/var/lib/grafana/dashboards': './deploy/grafana/dashboards',
    });
    expect(Object.fromEntries(bindMounts('prometheus'))).toEqual({
      '/etc/prometheus/prometheus.yml': './deploy/prometheus/prometheus.compose.yml',
      '/etc/prometheus/rules': './deploy/prometheus/rules',
    });
    const sources = Object.keys(composeServices).flatMap((name) => [...bindMounts(name).values()]);
    expect(sources.filter((source) => !existsSync(join(root, source)))).toEqual([]);
    const named = Object.values(composeServices)
      .flatMap((s) => s.volumes ?? [])
      .filter((volume) => !volume.startsWith('.'))
      .map((volume) => volume.split(':')[0]!);
    expect(named.filter((volume) => !(volume in (compose.volumes ?? {})))).toEqual([]);

    // Paths inside the containers that the mounted configurations name lie under a mount.
    const prometheus = parse(read('deploy/prometheus/prometheus.compose.yml')) as { rule_files?: string[] };
    const underMount = (name: string, path: string) => [...bindMounts(name).keys()].some((target) => path.startsWith(`${target}/`));
    expect((prometheus.rule_files ?? []).filter((path) => !underMount('prometheus', path))).toEqual([]);
    const dashboardPaths = filesUnder('deploy/grafana/provisioning/dashboards')
      .filter((path) => /\.ya?ml$/.test(path))
      .flatMap((path) => (parse(read(path)) as { providers?: { options?: { path?: string } }[] }).providers ?? [])
      .map((provider) => provider.options?.path ?? '');
    expect(dashboardPaths.filter((path) => !underMount('grafana', `${path}/`))).toEqual([]);
  });

  it('waits only for health checks that exist', () => {
    const waits = Object.entries(composeServices).flatMap(([name, s]) =>
      Array.isArray(s.depends_on) || !s.depends_on ? [] : Object.entries(s.depends_on).map(([on, { condition }]) => ({ name, on, condition })),
    );
    expect(waits.length).toBeGreaterThan(0);
    const dependencies = Object.values(composeServices).flatMap((s) => (Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {})));
    expect(dependencies.filter((on) => !(on in composeServices))).toEqual([]);
    expect(waits.filter((w) => w.condition === 'service_healthy' && !service(w.on).healthcheck)).toEqual([]);
  });
});
