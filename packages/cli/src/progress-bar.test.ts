import { describe, expect, it } from 'vitest';
import { renderProgress } from './progress-bar.js';

describe('renderProgress', () => {
  it('shows the share, counts, rate and time left', () => {
    expect(renderProgress('loads.csv', 2_500, 10_000, 5_000, 10)).toBe('loads.csv [###-------]  25% 2,500/10,000 500/s ETA 15s');
  });

  it('shows an unknown time left before anything is done, and a full bar at the end', () => {
    expect(renderProgress('x', 0, 4, 0, 4)).toBe('x [----]   0% 0/4 0/s ETA ?');
    expect(renderProgress('x', 4, 4, 2_000, 4)).toBe('x [####] 100% 4/4 2/s ETA 0s');
  });
});
