// The chart never meets a cluster here, so this holds its rendering to the Kubernetes schemas
// (kubeconform, local schemas only) and to the code: a Deployment per service with the probes
// its ops server answers, ConfigMaps of only variables the service reads, tokens from Secrets.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
// A relative path: @gridstream/cli's exports do not list the catalog.
import { ownVariables, runtimeVariables, services } from '@gridstream/cli/config-catalog';
import { runtimeConfigSchema } from '@gridstream/runtime';
import type { Stage } from '@gridstream/schemas';

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command: string[];
  args: string[];
  envFrom?: { configMapRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    replicas?: number;
    type?: string;
    ports?: { name: string; port: number; targetPort: string | number }[];
    selector?: Record<string, unknown>;
    scaleTargetRef?: { kind: string; name: string };
    minReplicas?: number;
    maxReplicas?: number;
    maxUnavailable?: number;
    template?: {
      metadata: { annotations?: Record<string, string> };
      spec: { containers: Container[]; imagePullSecrets?: { name: string }[] };
    };
  };
}

const root = join(import.meta.dirname, '..', '..');
const chart = join(root, 'helm', 'gridstream');
const allOnValues = join(import.meta.dirname, 'helm-all-on.values.yaml');
// scripts/test installs the tools first; alone, this installs whatever is missing (minutes, once).
const tool = (name: string) => execFileSync(join(root, 'scripts', 'tools'), ['path', name], { encoding: 'utf8' }).trim();
const helm = tool('helm');
const kubeconform = tool('kubeconform');

const ingestToken = 'ingest-token-for-the-chart-test';
const influxToken = 'influx-token-for-the-chart-test';
const tokens = ['--set', `secrets.ingestToken=${ingestToken}`, '--set', `secrets.influxToken=${influxToken}`];

function run(command: string, args: string[], input?: string) {
  const result = spawnSync(command, args, { encoding: 'utf8', input });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function template(...args: string[]): { yaml: string; manifests: Manifest[] } {
  const result = run(helm, ['template', 'gs', chart, '--namespace', 'gridstream', ...args]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const manifests = parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
  return { yaml: result.stdout, manifests };
}

const variablesOf = (service: Stage) => [...ownVariables(service), ...runtimeVariables(service)];
const component = (m: Manifest) => m.metadata.labels?.['app.kubernetes.io/component'];
const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const find = (manifests: Manifest[], kind: string, name: string) => ofKind(manifests, kind).find((m) => m.metadata.name === name);
const containerOf = (deployment: Manifest) => deployment.spec!.template!.spec.containers[0]!;
const configOf = (manifests: Manifest[], deployment: Manifest) =>
  find(manifests, 'ConfigMap', containerOf(deployment).envFrom?.[0]?.configMapRef?.name ?? '')?.data ?? {};

/** The rendering is valid for Kubernetes 1.37, every resource checked against a schema. */
function expectValidForKubernetes(rendered: { yaml: string; manifests: Manifest[] }) {
  const result = run(kubeconform, ['-strict', '-summary', '-output', 'json', '-'], rendered.yaml);
  const report = JSON.parse(result.stdout) as {
    resources?: { kind: string; name: string; status: string; msg: string }[];
    summary: { valid: number; invalid: number; errors: number; skipped: number };
  };
  expect(report.resources ?? []).toEqual([]); // lists only the resources that are not valid
  expect(report.summary).toEqual({ valid: rendered.manifests.length, invalid: 0, errors: 0, skipped: 0 });
  expect(result.status).toBe(0);
}

/** What every rendering must hold, whatever the values. */
function expectServicesWired(manifests: Manifest[], enabled: Stage[]) {
  const deployments = ofKind(manifests, 'Deployment');
  expect(deployments.map(component).sort()).toEqual([...enabled].sort());
  for (const service of enabled) {
    const deployment = deployments.find((d) => component(d) === service)!;
    const container = containerOf(deployment);
    expect({ service, command: container.command, args: container.args }).toEqual({
      service,
      command: ['node', '--enable-source-maps'],
      args: [`services/${service}/dist/main.mjs`],
    });

    const config = configOf(manifests, deployment);
    const known = variablesOf(service).map((v) => v.name);
    expect({ service, unknown: Object.keys(config).filter((key) => !known.includes(key)) }).toEqual({ service, unknown: [] });
    expect({ service, runtime: runtimeConfigSchema(service).safeParse(config).error?.message }).toEqual({ service, runtime: undefined });
    expect({ service, opsHost: config.GRIDSTREAM_OPS_HOST }).toEqual({ service, opsHost: '0.0.0.0' });

    // Probes reach the port the ops server listens on, whether named or numbered.
    const opsPort = Number(config.GRIDSTREAM_OPS_PORT);
    const portOf = (probe: Probe | undefined) => {
      const port = probe?.httpGet.port;
      return typeof port === 'string' ? container.ports.find((p) => p.name === port)?.containerPort : port;
    };
    expect({ service, liveness: container.livenessProbe?.httpGet.path, port: portOf(container.livenessProbe) }).toEqual({ service, liveness: '/healthz', port: opsPort });
    expect({ service, readiness: container.readinessProbe?.httpGet.path, port: portOf(container.readinessProbe) }).toEqual({ service, readiness: '/readyz', port: opsPort });
    const annotations = deployment.spec!.template!.metadata.annotations ?? {};
    expect({ service, scrape: annotations['prometheus.io/scrape'], port: Number(annotations['prometheus.io/port']) }).toEqual({ service, scrape: 'true', port: opsPort });
    expect({ service, resources: Object.keys(container.resources ?? {}).sort() }).toEqual({ service, resources: ['limits', 'requests'] });

    // Every required variable comes from a Secret key, never from the ConfigMap.
    const required = variablesOf(service).filter((v) => v.default === undefined).map((v) => v.name);
    const fromSecrets = (container.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name);
    expect({ service, required }).toEqual({ service, required: fromSecrets });
    expect({ service, inConfigMap: required.filter((key) => key in config) }).toEqual({ service, inConfigMap: [] });

    const metrics = ofKind(manifests, 'Service').filter((s) => component(s) === service && s.spec?.ports?.some((p) => p.targetPort === 'ops'));
    expect({ service, metrics: metrics.length }).toEqual({ service, metrics: 1 });
  }
  for (const kind of ['ConfigMap', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'Service']) {
    expect({ kind, strays: ofKind(manifests, kind).map(component).filter((c) => !enabled.includes(c as Stage)) }).toEqual({ kind, strays: [] });
  }
}

/** The Secret keys the Deployments read, as { secret name: keys }. */
function secretKeysRead(manifests: Manifest[]) {
  const refs = ofKind(manifests, 'Deployment').flatMap((d) => (containerOf(d).env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef] : [])));
  const byName: Record<string, string[]> = {};
  for (const ref of refs) (byName[ref.name] ??= []).push(ref.key);
  return Object.fromEntries(Object.entries(byName).map(([name, keys]) => [name, keys.sort()]));
}

// Each test runs helm and kubeconform, a second or two, more on a busy machine.
describe('helm/gridstream', { timeout: 60_000 }, () => {
  it('passes helm lint with the tokens given and with every option on', () => {
    for (const args of [tokens, ['--values', allOnValues]]) {
      const result = run(helm, ['lint', '--strict', chart, ...args]);
      expect(result.stdout + result.stderr).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(result.status).toBe(0);
    }
  });

  it('renders nothing without the tokens, and says which values to set', () => {
    const result = run(helm, ['template', 'gs', chart]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/secrets\.(ingestToken|influxToken) \(or secrets\.existingSecret\) is required/);
  });

  it('with default values: every service of the config catalog, valid, its tokens in a Secret of the chart', () => {
    const rendered = template(...tokens);
    expectValidForKubernetes(rendered);
    const { manifests } = rendered;
    expectServicesWired(manifests, services);

    for (const deployment of ofKind(manifests, 'Deployment')) {
      const container = containerOf(deployment);
      expect({ name: deployment.metadata.name, image: container.image, replicas: deployment.spec?.replicas, resources: container.resources }).toEqual({
        name: deployment.metadata.name,
        image: 'gridstream:latest',
        replicas: 1,
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      });
    }
    expect(ofKind(manifests, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(ofKind(manifests, 'PodDisruptionBudget').map(component).sort()).toEqual([...services].sort());

    const secrets = ofKind(manifests, 'Secret');
    expect(secrets).toHaveLength(1);
    const secret = secrets[0]!;
    const decoded = Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]));
    expect(decoded).toEqual({ INGEST_TOKEN: ingestToken, INFLUX_TOKEN: influxToken });
    expect(secretKeysRead(manifests)).toEqual({ [secret.metadata.name]: ['INFLUX_TOKEN', 'INGEST_TOKEN'] });

    const configValues = ofKind(manifests, 'ConfigMap').flatMap((m) => Object.values(m.data ?? {}));
    expect(configValues.filter((value) => value.includes(ingestToken) || value.includes(influxToken))).toEqual([]);

    const ingest = find(manifests, 'Service', 'gs-gridstream-ingest');
    expect(ingest?.spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'http', port: 18090, targetPort: 'http' }] });
    expect(configOf(manifests, find(manifests, 'Deployment', 'gs-gridstream-ingest')!)).toMatchObject({ INGEST_HTTP_PORT: '18090', INGEST_HTTP_HOST: '0.0.0.0' });
  });

  it('with every option on: HPAs instead of fixed replicas, an existing Secret, settings as the services read them', () => {
    const rendered = template('--values', allOnValues);
    expectValidForKubernetes(rendered);
    const { manifests } = rendered;
    expectServicesWired(manifests, services);

    expect(ofKind(manifests, 'Secret')).toEqual([]);
    expect(secretKeysRead(manifests)).toEqual({ 'tokens-managed-elsewhere': ['INFLUX_TOKEN', 'INGEST_TOKEN'] });

    const hpas = ofKind(manifests, 'HorizontalPodAutoscaler');
    expect(hpas.map(component).sort()).toEqual([...services].sort());
    for (const hpa of hpas) {
      const deployment = find(manifests, 'Deployment', hpa.spec!.scaleTargetRef!.name);
      expect({ hpa: hpa.metadata.name, target: deployment && component(deployment), replicas: deployment?.spec?.replicas }).toEqual({
        hpa: hpa.metadata.name,
        target: component(hpa),
        replicas: undefined, // the HPA owns the replica count
      });
    }
    const ingestHpa = hpas.find((h) => component(h) === 'ingest')!;
    expect({ min: ingestHpa.spec?.minReplicas, max: ingestHpa.spec?.maxReplicas }).toEqual({ min: 2, max: 12 });
    expect(ofKind(manifests, 'PodDisruptionBudget').map((p) => p.spec?.maxUnavailable)).toEqual(services.map(() => 2));

    const ingest = find(manifests, 'Deployment', 'gs-gridstream-ingest')!;
    expect(containerOf(ingest).image).toBe('images.example.com/gridstream:1.2.3');
    expect(ingest.spec?.template?.spec.imagePullSecrets).toEqual([{ name: 'pull-secret' }]);
    expect(containerOf(ingest).resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '2Gi' } });
    expect(find(manifests, 'Service', 'gs-gridstream-ingest')?.spec).toMatchObject({ type: 'LoadBalancer', ports: [{ port: 8080 }] });

    // Numbers arrive as the services parse them (not 3.3554432e+07), and the addresses reach who reads them.
    const config = (service: Stage) => configOf(manifests, find(manifests, 'Deployment', `gs-gridstream-${service}`)!);
    expect(config('ingest')).toMatchObject({ INGEST_MAX_BODY_BYTES: '33554432', INGEST_HTTP_PORT: '8080', LOG_LEVEL: 'debug', GRIDSTREAM_OPS_PORT: '9464' });
    expect(config('clean')).toMatchObject({ CLEAN_GRACE_MS: '3600000', CLEAN_REPLACE_OUTLIERS: 'load,demand', KAFKA_BROKERS: 'kafka-0.kafka:9092,kafka-1.kafka:9092' });
    expect(config('feature')).toMatchObject({ FEATURE_EWMA_ALPHA: '0.25', GRIDSTREAM_TOPIC_PREFIX: 'prod', GRIDSTREAM_PARTITIONS: '12' });
    expect(config('redis-sink')).toMatchObject({ REDIS_LATEST_TTL_MS: '86400000', REDIS_URL: 'redis://redis-master:6379' });
    expect(config('influx-sink')).toMatchObject({ INFLUX_URL: 'http://influxdb:8086', INFLUX_ORG: 'energy', INFLUX_BUCKET: 'features', INFLUX_BATCH_POINTS: '10000' });
  });

  it('leaves out a disabled service, and needs no token for it', () => {
    const rendered = template('--set', `secrets.ingestToken=${ingestToken}`, '--set', 'services.influx-sink.enabled=false', '--set', 'services.quality.enabled=false');
    expectValidForKubernetes(rendered);
    expectServicesWired(rendered.manifests, services.filter((s) => s !== 'influx-sink' && s !== 'quality'));
    expect(Object.keys(ofKind(rendered.manifests, 'Secret')[0]?.data ?? {})).toEqual(['INGEST_TOKEN']);
  });

  it('refuses a token or a chart-set address in a ConfigMap', () => {
    for (const set of ['services.influx-sink.env.INFLUX_TOKEN=oops', 'services.clean.env.KAFKA_BROKERS=elsewhere:9092']) {
      const result = run(helm, ['template', 'gs', chart, ...tokens, '--set', set]);
      expect({ set, status: result.status }).toEqual({ set, status: 1 });
      expect(result.stderr).toContain('set by the chart');
    }
  });
});
