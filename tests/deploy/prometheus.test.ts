// No Prometheus runs here, so promtool (Debian's, through scripts/tools) checks the configurations
// and the rule files they load, and runs the rules' unit tests; this file also holds the rules to
// the metrics the runtime really exports and the targets to the services' ops ports.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultOpsPorts } from '@gridstream/runtime';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTest {
  alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
}
interface PrometheusConfig {
  rule_files: string[];
  scrape_configs: { job_name: string; static_configs: { targets: string[]; labels?: Record<string, string> }[] }[];
}

const root = join(import.meta.dirname, '..', '..');
const dir = join(root, 'deploy/prometheus');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
// Installs promtool on first use (about 15 s: one Debian package, unpacked into the cache).
const promtoolPath = execFileSync(join(root, 'scripts/tools'), ['path', 'promtool'], { encoding: 'utf8' }).trim();
const scratch = mkdtempSync(join(tmpdir(), 'gridstream-prometheus-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(promtoolPath, args, { cwd: dir, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const rules = (parse(read('deploy/prometheus/rules/gridstream.rules.yml')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const alerts = rules.filter((rule) => rule.alert !== undefined);

describe('promtool', () => {
  it('accepts prometheus.yml and the rule file it loads', { timeout: 60_000 }, () => {
    const { status, output } = promtool('check', 'config', 'prometheus.yml');
    expect(status, output).toBe(0);
    expect(output).toContain('Checking rules/gridstream.rules.yml\n  SUCCESS');
  });

  it('accepts prometheus.compose.yml, its rules path mapped as docker-compose.yml mounts it', { timeout: 60_000 }, () => {
    const config = readFileSync(join(dir, 'prometheus.compose.yml'), 'utf8');
    expect(config).toContain('/etc/prometheus/rules/');
    const mapped = join(scratch, 'prometheus.compose.yml');
    writeFileSync(mapped, config.replaceAll('/etc/prometheus/rules/', `${dir}/rules/`));
    const { status, output } = promtool('check', 'config', mapped);
    expect(status, output).toBe(0);
    expect(output).toContain(`Checking ${dir}/rules/gridstream.rules.yml\n  SUCCESS`);
  });

  it('accepts the rules', { timeout: 60_000 }, () => {
    const { status, output } = promtool('check', 'rules', 'rules/gridstream.rules.yml');
    expect(status, output).toBe(0);
  });

  it("passes the rules' unit tests", { timeout: 60_000 }, () => {
    const { status, output } = promtool('test', 'rules', 'rules/gridstream.rules.test.yml');
    expect(status, output).toBe(0);
  });
});

describe('the alert rules', () => {
  it('use only metrics the runtime defines, so renaming one fails here', () => {
    const defined = new Set([...read('packages/runtime/src/metrics.ts').matchAll(/name: '(gridstream_\w+)'/g)].map((m) => m[1]!));
    const recorded = new Set(rules.flatMap((rule) => rule.record ?? []));
    for (const rule of rules) {
      // A histogram is queried through its _bucket, _sum and _count series.
      const used = [...rule.expr.matchAll(/\bgridstream[_:][\w:]*/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));
      const name = rule.alert ?? rule.record;
      expect({ name, unknown: used.filter((metric) => !defined.has(metric) && !recorded.has(metric)) }).toEqual({ name, unknown: [] });
      expect({ name, usesAMetric: used.length > 0 || /\bup\b/.test(rule.expr) }).toEqual({ name, usesAMetric: true });
    }
  });

  it('each have a severity, a summary, a description and a runbook section', () => {
    expect(alerts.length).toBeGreaterThan(0);
    for (const { alert, labels, annotations } of alerts) {
      expect({ alert, severity: labels?.severity, keys: Object.keys(annotations ?? {}).sort() }).toEqual({
        alert,
        severity: expect.stringMatching(/^(critical|warning)$/),
        keys: ['description', 'runbook_url', 'summary'],
      });
      expect(annotations?.runbook_url).toMatch(/^docs\/operations\.md#[a-z-]+$/);
    }
  });

  it('each have a unit test where they fire and one where they do not', () => {
    const cases = (parse(read('deploy/prometheus/rules/gridstream.rules.test.yml')) as { tests: RuleTest[] }).tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of alerts) {
      const own = cases.filter((c) => c.alertname === alert);
      expect({ alert, fires: own.some((c) => (c.exp_alerts ?? []).length > 0), quiet: own.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({ alert, fires: true, quiet: true });
    }
  });
});

describe('the scrape configurations', () => {
  const targetsOf = (path: string) =>
    (parse(read(path)) as PrometheusConfig).scrape_configs.flatMap((job) => job.static_configs.map((c) => ({ targets: c.targets, service: c.labels?.service })));

  it("scrape every service on its default ops port, on this host or by its compose name", () => {
    const services = Object.entries(defaultOpsPorts);
    expect(targetsOf('deploy/prometheus/prometheus.yml')).toEqual(
      expect.arrayContaining(services.map(([service, port]) => ({ targets: [`127.0.0.1:${port}`], service }))),
    );
    expect(targetsOf('deploy/prometheus/prometheus.compose.yml')).toEqual(
      expect.arrayContaining(services.map(([service, port]) => ({ targets: [`${service}:${port}`], service }))),
    );
  });
});
