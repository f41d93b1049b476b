import { describe, expect, it } from 'vitest';
import { StepRing } from './step-ring.js';

const row = (step: number) => [step, step + 0.5];

describe('StepRing', () => {
  it('holds what its rows span, not the span from a floor set far below them', () => {
    const ring = new StepRing(2, 200);
    ring.dropBelow(1_000 - 190); // window keeps rows from the start of the next sequence on
    for (let step = 1_000; step < 1_020; step++) ring.set(step, row(step), false);
    expect(ring.bytes).toBe(32 * (8 + 1 + 2 * 4));
    for (let step = 1_000; step < 1_020; step++) expect(ring.row(step)?.values).toEqual(Float32Array.from(row(step)));
  });

  it('grows to take a late row below the lowest one held, and keeps every row', () => {
    const ring = new StepRing(2, 200);
    ring.dropBelow(500);
    for (let step = 1_000; step < 1_016; step++) ring.set(step, row(step), false);
    ring.set(990, row(990), true);
    for (const step of [990, ...Array.from({ length: 16 }, (_, i) => 1_000 + i)]) expect(ring.row(step)?.values).toEqual(Float32Array.from(row(step)));
    expect(ring.row(990)?.imputed).toBe(true);
    expect(ring.has(995)).toBe(false);
  });

  it('spans only the rows left after dropping the older ones', () => {
    const ring = new StepRing(1, 200);
    for (let step = 0; step < 16; step++) ring.set(step, [step], false);
    expect(ring.dropBelow(12)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (let step = 16; step < 28; step++) ring.set(step, [step], false);
    expect(ring.bytes).toBe(16 * (8 + 1 + 4));
    for (let step = 12; step < 28; step++) expect(ring.row(step)?.values[0]).toBe(step);
  });

  it('never throws away a row to make room past maxSteps', () => {
    const ring = new StepRing(1, 8);
    for (let step = 0; step < 20; step++) ring.set(step, [step], false);
    for (let step = 0; step < 20; step++) expect(ring.row(step)?.values[0]).toBe(step);
  });
});
