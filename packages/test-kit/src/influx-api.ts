import type { StackEnv } from './stack-env.js';

/**
 * A request to the local InfluxDB's v2 API that must succeed; throws with InfluxDB's answer otherwise.
 * Sent again, up to three more times, when the connection fails: keep-alive connections idle
 * through a `pnpm bench` had been closed by InfluxDB, and requests written to them failed with
 * EPIPE, twice in a row once. Queries and deletes may be sent twice; a bucket made twice would
 * fail with InfluxDB's own 422.
 */
export async function influxApi(stack: StackEnv, path: string, init: RequestInit = {}): Promise<Response> {
  const send = () =>
    fetch(`${stack.influx.url.replace(/\/$/, '')}/api/v2/${path}`, {
      ...init,
      headers: { Authorization: `Token ${stack.influx.token}`, 'Content-Type': 'application/json', ...init.headers },
    });
  let response: Response;
  for (let attempt = 1; ; attempt++) {
    try {
      response = await send();
      break;
    } catch (error) {
      if (attempt === 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
  if (!response.ok) throw new Error(`InfluxDB refused ${init.method ?? 'GET'} /api/v2/${path.split('?')[0]}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

/** The rows of a Flux query's CSV answer, by column name (one table; values are strings, never quoted or holding commas here). */
export async function fluxCsv(stack: StackEnv, query: string): Promise<Array<Record<string, string>>> {
  const response = await influxApi(stack, `query?${new URLSearchParams({ org: stack.influx.org })}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/vnd.flux', Accept: 'application/csv' },
    body: query,
  });
  const [header, ...lines] = (await response.text()).split(/\r?\n/).filter((line) => line !== '');
  if (header === undefined) return [];
  const columns = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [columns[i]!, value])));
}

/** Makes an InfluxDB bucket that keeps its points for ever, in the stack's org; returns its id. */
export async function createInfluxBucket(stack: StackEnv, name: string): Promise<string> {
  const { orgs } = (await (await influxApi(stack, `orgs?${new URLSearchParams({ org: stack.influx.org })}`)).json()) as { orgs: Array<{ id: string }> };
  const created = await influxApi(stack, 'buckets', { method: 'POST', body: JSON.stringify({ orgID: orgs[0]!.id, name, retentionRules: [] }) });
  return ((await created.json()) as { id: string }).id;
}
