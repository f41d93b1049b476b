import type { PipelineStatus } from '@gridstream/cli/pipeline-status';

/** What the demo adds to the services' own figures. */
export interface DemoState {
  prefix: string;
  elapsedS: number;
  /** What the simulator is doing, e.g. "done; the pipeline drains". */
  simulator: string;
  /** Restarts per service by the supervisor, and why the latest. */
  restarts: Map<string, { count: number; lastExit: string | null }>;
}

const number = (n: number | null, digits = 0) => (n === null || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const seconds = (s: number | null) => (s === null ? '-' : s < 1 ? `${Math.round(s * 1000)} ms` : s < 120 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(0)} min` : `${(s / 3600).toFixed(1)} h`);

/** One frame of the live view: a table per stage, dead letters by reason, end-to-end latency. */
export function renderFrame(status: PipelineStatus, demo: DemoState): string {
  const lines = [`gridstream demo  pipeline ${demo.prefix}  ${Math.floor(demo.elapsedS / 60)}:${String(Math.floor(demo.elapsedS % 60)).padStart(2, '0')}  simulator: ${demo.simulator}`, ''];
  lines.push(`${'service'.padEnd(12)} ${'state'.padEnd(6)} ${'in/s'.padStart(8)} ${'out/s'.padStart(8)} ${'records in'.padStart(11)} ${'out'.padStart(9)} ${'lag'.padStart(7)} ${'event-time lag'.padStart(15)}  restarts`);
  for (const s of status.stages) {
    const restarts = demo.restarts.get(s.stage);
    const restartText = restarts && restarts.count > 0 ? `${restarts.count} (last: ${restarts.lastExit})` : '0';
    lines.push(
      `${s.stage.padEnd(12)} ${(s.up ? 'up' : 'down').padEnd(6)} ${number(s.inPerS).padStart(8)} ${number(s.outPerS).padStart(8)} ${number(s.recordsIn).padStart(11)} ${number(s.recordsOut).padStart(9)} ${number(s.lag).padStart(7)} ${seconds(s.eventTimeLagS).padStart(15)}  ${restartText}`,
    );
  }
  lines.push('');
  const e2e = status.endToEnd;
  lines.push(`end-to-end latency (ingest to Redis): ${e2e ? `p50 ${seconds(e2e.p50S)}, p99 ${seconds(e2e.p99S)} over ${number(e2e.count)} vectors` : '- (no vectors in Redis yet)'}`);
  const dead = status.deadLetters.reduce((n, d) => n + d.count, 0);
  lines.push(`dead letters: ${dead === 0 ? 'none' : status.deadLetters.map((d) => `${d.stage}/${d.reason} ${number(d.count)}`).join(', ')}`);
  return lines.join('\n');
}
