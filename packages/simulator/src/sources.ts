import type { SimulationConfig } from './config.js';
import { eiaRegions } from './eia.js';
import type { SimulatedEntity } from './entity.js';
import { meters } from './meters.js';
import { tepUnits } from './tep.js';
import { weatherStations } from './weather.js';

/** Every entity of a run, in the order they send within one step. */
export function simulatedEntities(config: SimulationConfig): SimulatedEntity[] {
  return [...meters(config), ...eiaRegions(config), ...weatherStations(config), ...tepUnits(config)];
}
