import { Redis } from 'ioredis';
import { contracts } from '@gridstream/sources';
import { redisKeys } from './keys.js';

const HOUR_MS = 3_600_000;

export interface FeatureSetRef {
  name: string;
  version: number;
}

/** One feature vector; an undefined feature is NaN. */
export interface LatestVector {
  entity: string;
  ts: number;
  featureSet: FeatureSetRef;
  names: string[];
  values: Float64Array;
  imputed: boolean;
}

/** Vectors in ts order: row i of `values` (row-major, `names.length` wide) is at `ts[i]`. */
export interface VectorRange {
  names: string[];
  ts: Float64Array;
  values: Float64Array;
  /** 1 where the step was imputed. */
  imputed: Uint8Array;
}

/** A regular grid of steps ending at the latest vector: `mask` 0 observed, 1 imputed, 2 missing (values NaN). */
export interface Context {
  names: string[];
  start: number;
  stepMs: number;
  steps: number;
  values: Float64Array;
  mask: Uint8Array;
}

/** The newest sequence the window service built, as written to <p>.sequences. */
export interface LatestSequence {
  featureSet: FeatureSetRef;
  start: number;
  end: number;
  stepMs: number;
  seqLen: number;
  revision: number;
  names: string[];
  /** seqLen × names.length, row-major. */
  values: Float32Array;
  mask: Uint8Array;
}

/**
 * Reads what the Redis sink keeps (docs/redis-sink.md) for model code. `prefix` is the pipeline's
 * topic prefix (GRIDSTREAM_TOPIC_PREFIX).
 */
export class FeatureClient {
  private readonly keys: ReturnType<typeof redisKeys>;

  constructor(
    private readonly redis: Redis,
    prefix = 'gridstream',
  ) {
    this.keys = redisKeys(prefix);
  }

  static async connect(url = 'redis://127.0.0.1:16379', prefix = 'gridstream'): Promise<FeatureClient> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    return new FeatureClient(redis, prefix);
  }

  /** The entity's newest vector, or null when the store has none (never written, or expired). */
  async getLatest(entity: string): Promise<LatestVector | null> {
    const hash = await this.redis.hgetall(this.keys.latest(entity));
    if (hash.ts === undefined) return null;
    const [name, version] = splitFeatureSet(hash.featureSet!);
    return { entity, ts: Number(hash.ts), featureSet: { name, version }, names: JSON.parse(hash.names!) as string[], values: numbers(hash.values!), imputed: hash.imputed === '1' };
  }

  /** The entity's vectors with `from <= ts < to` from the history (which reaches back REDIS_HISTORY_RETENTION_MS). */
  async getRange(entity: string, from: number | Date, to: number | Date): Promise<VectorRange> {
    const [members, names] = await Promise.all([
      this.redis.zrangebyscore(this.keys.history(entity), Number(from), `(${Number(to)}`),
      this.redis.hget(this.keys.latest(entity), 'names'),
    ]);
    const width = names === null ? 0 : (JSON.parse(names) as string[]).length;
    const range: VectorRange = { names: names === null ? [] : (JSON.parse(names) as string[]), ts: new Float64Array(members.length), values: new Float64Array(members.length * width), imputed: new Uint8Array(members.length) };
    members.forEach((member, i) => {
      // `<ts>:<imputed>:<values JSON>`
      const first = member.indexOf(':');
      const second = member.indexOf(':', first + 1);
      range.ts[i] = Number(member.slice(0, first));
      range.imputed[i] = Number(member.slice(first + 1, second));
      range.values.set(numbers(member.slice(second + 1)).subarray(0, width), i * width);
    });
    return range;
  }

  /**
   * The last `hours` of the entity on its source's cadence, ending with its newest vector, as a
   * model's input window: a step without a vector is NaN with mask 2. Null without a latest vector.
   */
  async getContext(entity: string, hours = 168): Promise<Context | null> {
    const latest = await this.getLatest(entity);
    if (!latest) return null;
    const stepMs = contracts[latest.featureSet.name]?.cadenceMs ?? HOUR_MS;
    const steps = Math.max(1, Math.round((hours * HOUR_MS) / stepMs));
    const start = latest.ts - (steps - 1) * stepMs;
    const range = await this.getRange(entity, start, latest.ts + 1);
    const width = latest.names.length;
    const context: Context = { names: latest.names, start, stepMs, steps, values: new Float64Array(steps * width).fill(Number.NaN), mask: new Uint8Array(steps).fill(2) };
    range.ts.forEach((ts, i) => {
      const step = (ts - start) / stepMs;
      if (!Number.isInteger(step) || step < 0 || step >= steps) return;
      context.values.set(range.values.subarray(i * width, (i + 1) * width), step * width);
      context.mask[step] = range.imputed[i]!;
    });
    return context;
  }

  /** The newest sequence of the entity for a feature set (e.g. its source's name), or null. */
  async getSequence(entity: string, featureSet: string): Promise<LatestSequence | null> {
    const hash = await this.redis.hgetallBuffer(this.keys.sequence(entity, featureSet));
    if (hash.end === undefined) return null;
    const [name, version] = splitFeatureSet(hash.featureSet!.toString());
    const bytes = hash.values!;
    const values = new Float32Array(bytes.length / 4);
    for (let i = 0; i < values.length; i++) values[i] = bytes.readFloatLE(i * 4);
    const number = (field: string) => Number(hash[field]!.toString());
    return {
      featureSet: { name, version },
      start: number('start'),
      end: number('end'),
      stepMs: number('stepMs'),
      seqLen: number('seqLen'),
      revision: number('revision'),
      names: JSON.parse(hash.names!.toString()) as string[],
      values,
      mask: new Uint8Array(hash.mask!),
    };
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}

function splitFeatureSet(text: string): [string, number] {
  const at = text.lastIndexOf(':');
  return [text.slice(0, at), Number(text.slice(at + 1))];
}

/** A JSON array of numbers with null for NaN. */
function numbers(json: string): Float64Array {
  return Float64Array.from(JSON.parse(json) as Array<number | null>, (v) => v ?? Number.NaN);
}
