// The servers fail while the whole pipeline runs and input arrives: the schema registry is down
// for 30 s, then, with all the input on Kafka and the stages still at work, the Kafka
// broker is stopped and started again. (InfluxDB down for 60 s and a Redis
// restart are in clean-kill.) No service may exit; afterwards every output equals an uninterrupted run.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runStack, waitUntil } from '@gridstream/test-kit';
import { faultTestSimulation } from './pipeline-fixture.js';
import { sleep, WholePipeline } from './whole-pipeline.js';

describe('the whole pipeline through a registry outage and a broker restart', () => {
  const run = new WholePipeline(inject('stack'), 'outages');

  beforeAll(() => run.connect());
  // The servers come back even when the test fails halfway.
  afterAll(async () => {
    runStack('up', 'registry', 'kafka');
    await run.close();
  });

  it('keeps every service running, loses nothing, doubles nothing', { timeout: 900_000 }, async () => {
    await run.start(faultTestSimulation({ seed: 11, durationMs: 2 * 86_400_000 }));
    const feeding = run.feed(40, 1_500);
    const { pipeline } = run;
    const { t } = pipeline;
    const figures: string[] = [];
    /** Seconds from a server's return until every service is ready and clean has committed again. */
    const recovery = async (what: string, backMs: number) => {
      // The broker may not name a group coordinator yet right after it is back.
      const lag = () => pipeline.lag('clean', t.valid).catch(() => Number.POSITIVE_INFINITY);
      await waitUntil(`the broker to answer after ${what}`, async () => Number.isFinite(await lag()), 120_000, 250);
      const lagBefore = await lag();
      await pipeline.withLogsOf(
        ['ingest', 'validate', 'clean', 'feature', 'window', 'quality', 'redis-sink', 'influx-sink'],
        waitUntil(`every service to be ready after ${what}`, async () => (await Promise.all(run.services.map((s) => s.ready()))).every(Boolean), 180_000, 250),
      );
      await waitUntil(`clean to commit after ${what}`, async () => (await lag()) < lagBefore || lagBefore === 0, 180_000, 250);
      figures.push(`${what.padEnd(30)} recovered ${((Date.now() - backMs) / 1000).toFixed(1)} s after the server was back`);
    };

    await sleep(8_000);
    runStack('down', 'registry');
    await sleep(30_000);
    runStack('up', 'registry');
    await recovery('registry down 30 s', Date.now());

    // Once the input is all on Kafka (a publish cut off by the restart could repeat records the
    // golden run has once), while the stages are still working through it.
    const fed = await feeding;
    if (fed) throw fed;
    runStack('down', 'kafka');
    const brokerDownMs = Date.now();
    runStack('up', 'kafka');
    figures.push(`${'broker stopped and started'.padEnd(30)} in ${((Date.now() - brokerDownMs) / 1000).toFixed(1)} s`);
    await recovery('broker restart', Date.now());

    for (const service of run.services) expect(service.current.child.exitCode, `${service.stage} exited:\n${service.current.output().slice(-3_000)}`).toBeNull();
    await run.expectUninterrupted('outages: registry down 30 s, then the broker restarted, while the input arrived', figures);
  });
});
