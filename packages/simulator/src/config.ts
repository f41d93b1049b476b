/** Shares are probabilities per entity-step, drawn from the seeded fault stream. */
export interface FaultShares {
  /** A present step is sent again later, byte for byte, within outOfOrderMaxMs of its event time (never for late ones). */
  duplicateShare: number;
  outOfOrderShare: number;
  /** Out-of-order records are sent up to this long after their event time; keep it within the pipeline's grace. */
  outOfOrderMaxMs: number;
  lateShare: number;
  /** Late records are sent this long after their event time; make it more than grace plus the smallest step. */
  lateByMs: number;
  /** Share of entity-steps never sent, in runs of 1-4 steps with a sent step on either side. */
  gapShare: number;
  outlierShare: number;
  malformedShare: number;
  /** The record's ts is a year ahead. */
  futureTsShare: number;
  /** Of meter records only: load sent in W instead of kW. */
  unitChangeShare: number;
}

/** Tennessee Eastman disturbances the simulator knows (IDV numbers). */
export type TepFaultId = 1 | 4 | 6;

export interface SimulationConfig {
  seed: number;
  startTs: number;
  durationMs: number;
  meters: number;
  regions: number;
  weatherStations: number;
  tepUnits: number;
  /** A process fault on tep:unit-1 from its `fromStep`-th sample (0-based) on; the others stay normal for contrast. */
  tepFault: { fault: TepFaultId; fromStep: number } | null;
  faults: FaultShares;
}

const dayMs = 86_400_000;

export function defaultSimulationConfig(
  overrides: Partial<Omit<SimulationConfig, 'faults'>> & { faults?: Partial<FaultShares> } = {},
): SimulationConfig {
  const faults: FaultShares = {
    duplicateShare: 0.01,
    outOfOrderShare: 0.02,
    outOfOrderMaxMs: 600_000,
    lateShare: 0.005,
    lateByMs: 7_200_000,
    gapShare: 0.01,
    outlierShare: 0.005,
    malformedShare: 0.002,
    futureTsShare: 0.001,
    unitChangeShare: 0.01,
  };
  return {
    seed: 1,
    startTs: Date.UTC(2026, 0, 1),
    durationMs: dayMs,
    meters: 100,
    regions: 4,
    weatherStations: 4,
    tepUnits: 1,
    tepFault: { fault: 1, fromStep: 240 }, // 12 hours in
    ...overrides,
    faults: { ...faults, ...overrides.faults },
  };
}

/** Throws on a config that cannot describe a simulation, naming the field. */
export function checkConfig(config: SimulationConfig): void {
  const f = config.faults;
  const problems: string[] = [];
  for (const [name, value] of Object.entries(f)) {
    const isShare = name.endsWith('Share');
    if (isShare ? value >= 0 && value <= 1 : Number.isInteger(value) && value >= 0) continue;
    problems.push(`faults.${name}: expected ${isShare ? 'a share in [0, 1]' : 'a non-negative integer (milliseconds)'}, got ${value}`);
  }
  for (const name of ['meters', 'regions', 'weatherStations', 'tepUnits', 'durationMs'] as const) {
    if (!Number.isInteger(config[name]) || config[name] < 0) problems.push(`${name}: expected a non-negative integer, got ${config[name]}`);
  }
  if (f.outOfOrderShare + f.lateShare > 1) problems.push('faults: outOfOrderShare + lateShare exceeds 1');
  if (f.malformedShare + f.outlierShare + f.futureTsShare + f.unitChangeShare > 1) {
    problems.push('faults: malformedShare + outlierShare + futureTsShare + unitChangeShare exceeds 1');
  }
  if (f.gapShare > 0.7) problems.push(`faults.gapShare: at most 0.7 fits runs of 1-4 steps between sent ones, got ${f.gapShare}`);
  if (problems.length > 0) throw new RangeError(`invalid simulation config: ${problems.join('; ')}`);
}
