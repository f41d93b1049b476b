import type { Logger } from 'pino';
import type { SinkRecord, SinkRejection, SinkWriter } from '@gridstream/runtime';
import type { InfluxSinkConfig } from './config.js';
import { linesOf } from './lines.js';

/** A write InfluxDB may accept later: unreachable, overloaded (429, 503) or failing (5xx). */
class InfluxUnavailableError extends Error {
  override readonly name = 'InfluxUnavailableError';
  readonly code = 'influx_unavailable';
  constructor(
    message: string,
    /** From the Retry-After header: the runtime waits at least this long. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** InfluxDB refused the points for good (400, 413, 422: a field type conflict, a malformed point). */
class InfluxRejectedError extends Error {
  override readonly name = 'InfluxRejectedError';
}

/**
 * Writes line protocol to the v2 write endpoint itself, in requests of at most `batchPoints`
 * points, and resolves only when InfluxDB answered 204 — the client library's write buffer would
 * drop points after its own retries, and a record's offset must not be committed before its
 * points are stored. A refused request is written again record by record to find the ones
 * that can never be written; those are dead-lettered, the rest are idempotent rewrites.
 */
export function openInfluxWriter(config: InfluxSinkConfig, pipeline: string, log: Logger): SinkWriter {
  const url = `${config.url}/api/v2/write?${new URLSearchParams({ org: config.org, bucket: config.bucket, precision: 'ms' })}`;
  const post = async (lines: string[]): Promise<void> => {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Token ${config.token}`, 'Content-Type': 'text/plain; charset=utf-8' },
        body: lines.join('\n'),
        signal: AbortSignal.timeout(config.timeoutMs),
      });
    } catch (error) {
      throw new InfluxUnavailableError(`${config.url} unreachable: ${(error as Error).message}`);
    }
    if (response.status === 204) return;
    const text = await response.text();
    if (response.status === 400 || response.status === 413 || response.status === 422) throw new InfluxRejectedError(`HTTP ${response.status}: ${text}`);
    throw new InfluxUnavailableError(`HTTP ${response.status}: ${text}`, retryAfterMs(response.headers.get('retry-after')));
  };

  return {
    async write(records: SinkRecord[]): Promise<SinkRejection[]> {
      const linesByRecord = records.map((record) => linesOf(record, pipeline));
      const all = linesByRecord.flat();
      try {
        for (let i = 0; i < all.length; i += config.batchPoints) await post(all.slice(i, i + config.batchPoints));
        return [];
      } catch (error) {
        if (!(error instanceof InfluxRejectedError)) throw error;
        log.warn({ err: error }, 'influxdb refused a write; writing record by record to find the refused ones');
      }
      const rejected: SinkRejection[] = [];
      for (const [index, lines] of linesByRecord.entries()) {
        if (lines.length === 0) continue;
        try {
          await post(lines);
        } catch (error) {
          if (!(error instanceof InfluxRejectedError)) throw error;
          rejected.push({ index, message: error.message });
        }
      }
      return rejected;
    },
    async close() {},
  };
}

/** Retry-After in seconds or as an HTTP date, in milliseconds from now. */
export function retryAfterMs(header: string | null, nowMs = Date.now()): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
