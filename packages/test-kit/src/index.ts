export { parseStackEnv, readStackEnv, runStack, serverEnv, stackScript, type StackEnv } from './stack-env.js';
export { SCRATCH_PREFIX, scratchMadeAt, uniqueName } from './unique-name.js';
export { pruneScratch, type PruneOptions, type PrunedScratch } from './prune-scratch.js';
export { createInfluxBucket, fluxCsv, influxApi } from './influx-api.js';
export { waitUntil } from './wait-until.js';
export { startBundle, startProcess, startScript, startService, waitForReady, type ServiceProcess } from './service-process.js';
export { freePort } from './free-port.js';
export { seededRandom, type SeededRandom } from './seeded-random.js';
export { cpuSeconds, parseStackPids, rssBytes } from './proc-readings.js';
