/** What each variable measures; a quantity fixes the units it may arrive in. */
export type Quantity = 'power' | 'energy' | 'temperature' | 'speed' | 'irradiance' | 'voltage' | 'percent' | 'dimensionless';

/** Accepted units per quantity with their factor to the quantity's base unit; clean later converts to canonical ones. */
export const unitFactors: Record<Quantity, Record<string, number>> = {
  power: { W: 1, kW: 1e3, MW: 1e6 },
  energy: { Wh: 1, kWh: 1e3, MWh: 1e6 },
  temperature: { degC: 1 },
  speed: { 'm/s': 1 },
  irradiance: { 'W/m2': 1 },
  voltage: { V: 1 },
  percent: { '%': 1 },
  // TEP's variables have no units in the data set; none or an empty one is accepted.
  dimensionless: { '': 1 },
};

export interface VariableContract {
  quantity: Quantity;
  /** The canonical unit: `min`, `max` and `noiseFloor` are in it, and clean converts values to it. */
  unit: string;
  min: number;
  max: number;
  required?: boolean;
  /** How clean fills a short gap: a straight line between the neighbours (default) or the last value held. */
  interpolation?: 'linear' | 'carry-forward';
  /** The smallest spread the outlier detector assumes, so a flat stretch does not make every change an outlier. */
  noiseFloor?: number;
  /**
   * false for variables that follow the sun from zero to their peak every day: against the
   * median of the last hours every sunrise looks like an outlier, so clean does not check them.
   */
  hampel?: false;
  /** The largest believable change per step (canonical unit); a steeper one is flagged as an outlier. */
  maxStepChange?: number;
}

/** How clean combines several records of one step when resampling: energy adds up, everything else is averaged. */
export function aggregationOf(quantity: Quantity): 'sum' | 'mean' {
  return quantity === 'energy' ? 'sum' : 'mean';
}

/** Converts a value from `unit` to the variable's canonical unit; undefined for a unit its quantity does not take. */
export function toCanonical(variable: VariableContract, value: number, unit: string): number | undefined {
  const factors = unitFactors[variable.quantity];
  // Own keys only: a unit named "toString" must not find Object.prototype's.
  if (!Object.hasOwn(factors, unit)) return undefined;
  return unit === variable.unit ? value : (value * factors[unit]!) / factors[variable.unit]!;
}

export interface SourceContract {
  /** The source's step; clean detects gaps and resamples on it. */
  cadenceMs: number;
  variables: Record<string, VariableContract>;
  /** Variable name prefixes with one contract for all, e.g. EIA's gen_<fuel>. */
  variablePrefixes?: Record<string, VariableContract>;
  /** Tags that must be present; `tz` must also be an IANA time zone. */
  requiredTags: string[];
  /** Overrides VALIDATE_MAX_FUTURE_SKEW_MS, for sources that publish ahead (EIA's day-ahead forecast). */
  maxFutureSkewMs?: number;
}

const HOUR_MS = 3_600_000;
const mwh = (min: number, max: number): VariableContract => ({ quantity: 'energy', unit: 'MWh', min, max });

/** TEP's 41 measurements and 11 manipulated variables, all required: the process is sampled whole. */
function tepVariables(): Record<string, VariableContract> {
  const variables: Record<string, VariableContract> = {};
  for (let i = 1; i <= 41; i++) variables[`xmeas_${i}`] = { quantity: 'dimensionless', unit: '', min: 0, max: 10_000, required: true };
  // Manipulated variables are valve and setpoint positions: they hold until moved, so a gap carries them forward.
  for (let i = 1; i <= 11; i++) {
    variables[`xmv_${i}`] = { quantity: 'dimensionless', unit: '', min: 0, max: 100, required: true, interpolation: 'carry-forward' };
  }
  return variables;
}

/** The contract of each source, keyed by `Measurement.source`; an entity id starts with `<source>:`. */
export const contracts: Record<string, SourceContract> = {
  meter: {
    cadenceMs: 15 * 60_000,
    variables: {
      load: { quantity: 'power', unit: 'kW', min: 0, max: 10_000, required: true, noiseFloor: 0.5 },
      pv: { quantity: 'power', unit: 'kW', min: 0, max: 10_000, noiseFloor: 0.5, hampel: false },
      voltage: { quantity: 'voltage', unit: 'V', min: 180, max: 270, noiseFloor: 2 },
    },
    requiredTags: ['tz'],
  },
  eia: {
    cadenceMs: HOUR_MS,
    variables: {
      demand: mwh(0, 1_000_000),
      forecast: mwh(0, 1_000_000),
      // Pumped storage can make net generation, and exports the interchange, negative.
      net_generation: mwh(-100_000, 1_000_000),
      interchange: mwh(-1_000_000, 1_000_000),
      gen_sun: { ...mwh(-100_000, 1_000_000), hampel: false },
    },
    variablePrefixes: { gen_: mwh(-100_000, 1_000_000) },
    requiredTags: [],
    maxFutureSkewMs: 48 * HOUR_MS,
  },
  weather: {
    cadenceMs: HOUR_MS,
    variables: {
      temperature: { quantity: 'temperature', unit: 'degC', min: -90, max: 60, required: true, noiseFloor: 2, maxStepChange: 10 },
      wind_speed: { quantity: 'speed', unit: 'm/s', min: 0, max: 120, noiseFloor: 2 },
      irradiance: { quantity: 'irradiance', unit: 'W/m2', min: 0, max: 1_500, noiseFloor: 50, hampel: false },
      humidity: { quantity: 'percent', unit: '%', min: 0, max: 100, noiseFloor: 5 },
    },
    requiredTags: ['tz'],
  },
  tep: { cadenceMs: 3 * 60_000, variables: tepVariables(), requiredTags: [] },
};

/** The source's contract; undefined for an unknown source, also one named like an Object property ("constructor"). */
export function contractOf(source: string): SourceContract | undefined {
  return Object.hasOwn(contracts, source) ? contracts[source] : undefined;
}

export function variableContract(contract: SourceContract, name: string): VariableContract | undefined {
  if (Object.hasOwn(contract.variables, name)) return contract.variables[name];
  const prefix = Object.keys(contract.variablePrefixes ?? {}).find((p) => name.startsWith(p) && name.length > p.length);
  return prefix === undefined ? undefined : contract.variablePrefixes![prefix];
}
