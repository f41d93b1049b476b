// Every service of the pipeline runs at once while input arrives, and each is killed with
// SIGKILL at random moments GRIDSTREAM_FAULT_KILLS times (5; `scripts/faults --long` makes it 20)
// and started again at once. Afterwards every output equals an uninterrupted run.
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { seededRandom } from '@gridstream/test-kit';
import { faultTestSimulation } from './pipeline-fixture.js';
import { median, sleep, stages, WholePipeline } from './whole-pipeline.js';

const KILLS = Number(process.env.GRIDSTREAM_FAULT_KILLS ?? 5);

describe(`the whole pipeline, every service killed ${KILLS} times at random moments while data flows`, () => {
  const run = new WholePipeline(inject('stack'), 'kill-storm');

  beforeAll(() => run.connect());
  afterAll(() => run.close());

  it('loses nothing, doubles nothing, and equals an uninterrupted run', { timeout: 900_000 }, async () => {
    await run.start(faultTestSimulation({ durationMs: 2 * 86_400_000 }));
    // The input arrives in 40 parts over about a minute while the kills go on.
    const feeding = run.feed(40, 1_500);
    const startedMs = Date.now();
    const seed = Number(process.env.GRIDSTREAM_FAULT_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    console.log(`kill storm: seed ${seed} (GRIDSTREAM_FAULT_SEED=${seed} repeats the kill order and pauses)`);
    for (let round = 0; round < KILLS; round++) {
      const order = run.services.map((service) => ({ service, key: random.next() })).sort((a, b) => a.key - b.key);
      const pauses = order.map((_, i) => i * 400 + random.next() * 1_500);
      await Promise.all(order.map(async ({ service }, i) => (await sleep(pauses[i]!), service.killAndRestart())));
    }
    const fed = await feeding;
    if (fed) throw fed;

    await run.expectUninterrupted(`kill storm: ${KILLS} kills of each of ${stages.length} services in ${((Date.now() - startedMs) / 1000).toFixed(0)} s`, [
      'service      kills  recovery median  max  (SIGKILL to ready again)',
      ...run.services.map(
        (s) => `${s.stage.padEnd(12)} ${String(s.recoveryMs.length).padStart(5)} ${`${(median(s.recoveryMs) / 1000).toFixed(1)} s`.padStart(16)} ${`${(Math.max(...s.recoveryMs) / 1000).toFixed(1)} s`.padStart(6)}`,
      ),
    ]);
  });
});
