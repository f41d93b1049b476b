import { inject, describe, expect, it } from 'vitest';
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { uniqueName } from '@gridstream/test-kit';

const { influx } = inject('stack');
const client = new InfluxDB({ url: influx.url, token: influx.token });

describe('InfluxDB (v2 HTTP API)', () => {
  it('returns a written point from a Flux query, and a rewrite of the same point replaces it', async () => {
    const measurement = uniqueName('smoke_load');
    const ts = new Date(Date.UTC(2026, 0, 15, 12, 0, 0));
    const write = async (kw: number) => {
      const writer = client.getWriteApi(influx.org, influx.bucket, 'ms');
      writer.writePoint(new Point(measurement).tag('pipeline', measurement).tag('entity', 'meter:M-0042').floatField('kw', kw).timestamp(ts));
      await writer.close();
    };
    await write(1.5);
    await write(2.5); // same (measurement, tags, ts): an upsert, not a second point

    const rows = await client.getQueryApi(influx.org).collectRows<{ _time: string; _value: number; entity: string }>(
      `from(bucket: "${influx.bucket}")
        |> range(start: 2026-01-01T00:00:00Z, stop: 2026-02-01T00:00:00Z)
        |> filter(fn: (r) => r._measurement == "${measurement}" and r._field == "kw")`,
    );
    expect(rows.map((r) => ({ time: r._time, kw: r._value, entity: r.entity }))).toEqual([
      { time: '2026-01-15T12:00:00Z', kw: 2.5, entity: 'meter:M-0042' },
    ]);
  });
});
