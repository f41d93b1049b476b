import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CleanMeasurement, Gap } from '@gridstream/schemas';
import { waitUntil } from '@gridstream/test-kit';
import { cleanSettings, faultTestSimulation, PipelineFixture } from './pipeline-fixture.js';

describe('clean across rebalances', () => {
  const pipeline = new PipelineFixture(inject('stack'), 'clean-rebalance');
  const { t } = pipeline;
  const settings = { ...cleanSettings, GRIDSTREAM_MAX_BATCH_BYTES: '4096' };

  beforeAll(() => pipeline.connect());
  afterAll(() => pipeline.close());

  it('writes exactly the batch reference when a second instance joins, the first is killed, and a third joins', { timeout: 300_000 }, async () => {
    await pipeline.validSimulation(faultTestSimulation({ seed: 8, meters: 40, durationMs: 2 * 86_400_000 }));
    const total = await pipeline.lag('clean', t.valid);
    const progressed = (share: number) => async () => (await pipeline.lag('clean', t.valid)) <= total * (1 - share);

    const first = pipeline.run('clean', settings);
    await waitUntil('the first instance to make progress', progressed(0.1), 90_000, 50);
    pipeline.run('clean', settings); // the group splits the partitions; the newcomer restores their state
    await waitUntil('both instances to make progress', progressed(0.3), 90_000, 50);
    first.child.kill('SIGKILL'); // its partitions move to the second after the session timeout
    expect(await first.exited).toBe('SIGKILL');
    expect(await pipeline.lag('clean', t.valid), 'killed before the end of the input').toBeGreaterThan(0);
    await waitUntil('the survivor to make progress', progressed(0.6), 90_000, 50);
    pipeline.run('clean', settings); // and the group splits once more

    const reference = await pipeline.cleanReference();
    await pipeline.waitForClean(reference.clean.length);
    expect(await pipeline.sorted<CleanMeasurement>('clean', (c) => c.ts)).toEqual(reference.clean);
    expect(await pipeline.sorted<Gap>('gaps', (g) => g.start)).toEqual(reference.gaps);
  });
});
