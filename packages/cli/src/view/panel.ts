/** A line of a chart: [ts, value] points; a null value breaks the line (no data there). */
export interface Series {
  name: string;
  points: Array<[number, number | null]>;
}

/**
 * What the page draws, as the server's JSON endpoints return it. `row` is the heading the panel
 * sits under (a Grafana row); `unit` is Grafana's unit id (kwatt, percentunit, ms, …) or a plain
 * suffix such as `records/s`.
 */
export type Panel = { row: string; title: string; unit: string; error?: string } & (
  | { kind: 'line' | 'area' | 'bars'; series: Series[] }
  | { kind: 'stat'; values: Array<{ name: string; value: number }> }
  | { kind: 'table'; columns: string[]; rows: Array<Array<string | number | boolean | null>> }
);
