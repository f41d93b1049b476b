export { defaultSimulationConfig, type FaultShares, type SimulationConfig, type TepFaultId } from './config.js';
export type { FaultKind } from './faults.js';
export { gapsOf, type SimulatedGap } from './gaps.js';
export { groundTruthLine, simulate, type GroundTruth, type SimulatedEvent } from './simulate.js';
