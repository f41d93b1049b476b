import type { PartedStateCodec } from '@gridstream/runtime';
import type { FeatureVector } from '@gridstream/schemas';
import { StepRing } from './step-ring.js';

/** What window keeps per entity (docs/window.md). */
export interface WindowState {
  featureSet: FeatureVector['featureSet'] | null;
  names: string[];
  cadenceMs: number;
  /** The ts of the entity's newest vector. */
  maxTs: number | null;
  /** The end of the next sequence to give out. */
  nextEnd: number | null;
  /** Ends of sequences given out that a correction within the grace may still revise, with their revision. */
  emitted: Array<[end: number, revision: number]>;
  rows: StepRing;
  /** The most steps the rows can need: the sequence length, the stride and the grace. */
  maxSteps: number;
  /** Whether the header changed since the last commit. */
  headerChanged: boolean;
  /**
   * Rows changed since the last commit, by part key `r<ts>`: the step whose row to write, or null
   * when it was deleted. Their bytes are made once per commit, not at every change.
   */
  changedRows: Map<string, number | null>;
}

interface Header {
  featureSet: FeatureVector['featureSet'] | null;
  names: string[];
  cadenceMs: number;
  maxTs: number | null;
  nextEnd: number | null;
  emitted: Array<[number, number]>;
  maxSteps: number;
}

export function emptyWindowState(): WindowState {
  return { featureSet: null, names: [], cadenceMs: 0, maxTs: null, nextEnd: null, emitted: [], rows: new StepRing(0), maxSteps: 0, headerChanged: false, changedRows: new Map() };
}

export function markHeaderChanged(state: WindowState): void {
  state.headerChanged = true;
}

/** The row's key is taken now: a new layout may change the cadence before the commit. */
export function markRowChanged(state: WindowState, step: number): void {
  state.changedRows.set(`r${step * state.cadenceMs}`, state.rows.has(step) ? step : null);
}

function headerBytes(state: WindowState): Buffer {
  const { featureSet, names, cadenceMs, maxTs, nextEnd, emitted, maxSteps } = state;
  const header: Header = { featureSet, names, cadenceMs, maxTs, nextEnd, emitted, maxSteps };
  return Buffer.from(JSON.stringify(header));
}

/** A row part: the imputed flag, then the values as float32 little-endian; null once the row is gone. */
function rowBytes(state: WindowState, step: number | null): Buffer | null {
  const row = step === null ? null : state.rows.row(step);
  if (!row) return null;
  const bytes = Buffer.alloc(1 + 4 * row.values.length);
  bytes[0] = row.imputed ? 1 : 0;
  for (let i = 0; i < row.values.length; i++) bytes.writeFloatLE(row.values[i]!, 1 + 4 * i);
  return bytes;
}

/** Rows are parts of their own, so a batch writes the rows it added, not the whole sequence length again. */
export const windowStateCodec: PartedStateCodec<WindowState> = {
  initial: emptyWindowState,
  takeChanges(state) {
    const changes: Array<[string, Buffer | null]> = state.headerChanged ? [['h', headerBytes(state)]] : [];
    for (const [key, step] of state.changedRows) changes.push([key, rowBytes(state, step)]);
    state.headerChanged = false;
    state.changedRows.clear();
    return changes;
  },
  fromParts(parts) {
    const state = emptyWindowState();
    const headerBytes = parts.get('h');
    if (!headerBytes) return state;
    const header = JSON.parse(headerBytes.toString()) as Header;
    Object.assign(state, header, { rows: new StepRing(header.names.length, header.maxSteps) });
    const rows = [...parts]
      .filter(([key]) => key.startsWith('r'))
      .map(([key, bytes]) => [Number(key.slice(1)) / header.cadenceMs, bytes] as const)
      .sort((a, b) => a[0] - b[0]);
    for (const [step, bytes] of rows) {
      const values = Array.from({ length: header.names.length }, (_, i) => bytes.readFloatLE(1 + 4 * i));
      state.rows.set(step, values, bytes[0] === 1);
    }
    return state;
  },
};
