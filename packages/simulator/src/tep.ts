import type { SimulationConfig, TepFaultId } from './config.js';
import type { SimulatedEntity } from './entity.js';
import { clamp, normal, randomStream } from './random.js';

export const tepStepMs = 180_000;

// Base-case steady state of the Tennessee Eastman Process (Downs & Vogel 1993).
const xmeasNominal = [
  0.25052, 3664.0, 4509.3, 9.3477, 26.902, 42.339, 2705.0, 75.0, 120.4, 0.33712, 80.109, 50.0, 2633.7, 25.16, 50.0,
  3102.2, 22.949, 65.731, 230.31, 341.43, 94.599, 77.297, 32.188, 8.8933, 26.383, 6.882, 18.776, 1.6567, 32.958,
  13.823, 23.978, 1.2565, 18.579, 2.2633, 4.8436, 2.2986, 0.01787, 0.8357, 0.09858, 53.724, 43.828,
];
const xmvNominal = [63.053, 53.98, 24.644, 61.302, 22.21, 40.064, 38.1, 46.534, 47.446, 41.106, 18.114];
const variables = [
  ...xmeasNominal.map((nominal, i) => ({ name: `xmeas_${i + 1}`, nominal, max: Infinity })),
  ...xmvNominal.map((nominal, i) => ({ name: `xmv_${i + 1}`, nominal, max: 100 })), // valve positions in %
];

// Multipliers once a disturbance is active; the directions follow the IDV descriptions, the sizes are illustrative.
const faultEffects: Record<TepFaultId, Record<string, number>> = {
  1: { xmeas_1: 1.6, xmeas_4: 0.92, xmv_3: 1.5, xmeas_23: 1.06, xmeas_25: 0.94 }, // A/C feed ratio step
  4: { xmeas_9: 1.004, xmeas_21: 1.08, xmv_10: 1.35 }, // reactor cooling water inlet temperature step
  6: { xmeas_1: 0.02, xmv_3: 4, xmeas_7: 1.06, xmeas_23: 0.8 }, // A feed loss
};

/** Tennessee Eastman-like process units sampled every 3 minutes, labelled with the active fault. */
export function tepUnits(config: SimulationConfig): SimulatedEntity[] {
  return Array.from({ length: config.tepUnits }, (_, index) => unit(config, index));
}

function unit(config: SimulationConfig, index: number): SimulatedEntity {
  const entity = `tep:unit-${index + 1}`;
  const random = randomStream(config.seed, entity);
  const fault = index === 0 ? config.tepFault : null;
  const noise = new Float64Array(variables.length); // AR(1) per variable, stationary sd 1
  let step = 0;

  return {
    source: 'tep',
    entity,
    stepMs: tepStepMs,
    sample(ts) {
      const active = fault !== null && step >= fault.fromStep;
      step += 1;
      const effects = active ? faultEffects[fault.fault] : {};
      const common = normal(random); // shared by all variables, so their noise is correlated
      const values: Record<string, number> = {};
      variables.forEach(({ name, nominal, max }, i) => {
        noise[i] = 0.8 * noise[i]! + 0.6 * (0.5 * common + 0.866 * normal(random));
        const value = nominal * (effects[name] ?? 1) * (1 + 0.01 * noise[i]!);
        values[name] = Number(clamp(value, 0, max).toPrecision(6));
      });
      return { source: 'tep', entity, ts, values, units: {}, tags: { fault: active ? String(fault.fault) : '0' } };
    },
    outlier(values) {
      values.xmeas_7 = Number((values.xmeas_7! * 1.5).toPrecision(6)); // reactor pressure far above its trip level
      return 'xmeas_7';
    },
  };
}
