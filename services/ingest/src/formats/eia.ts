import { isJsonObject, parseGuardedJson } from './guarded-json.js';
import { numberOfText } from './number-text.js';
import { accept, excerpt, reject, type ParsedItem } from './parsed-item.js';
import { epochMsOfIso } from './timestamp.js';

/** Region-data type codes of EIA API v2 and the variable each becomes. */
const regionVariables = new Map([
  ['D', 'demand'],
  ['DF', 'forecast'],
  ['NG', 'net_generation'],
  ['TI', 'interchange'],
]);

/** One usable row: a variable of one respondent at one hour; EIA publishes null for hours it lacks. */
interface EiaReading {
  respondent: string;
  ts: number;
  variable: string;
  value: number | null;
}

interface Group {
  line: number;
  respondent: string;
  ts: number;
  values: Map<string, number>;
}

/**
 * Parses an EIA API v2 response, region data or fuel-type data, into one draft per respondent and
 * hour holding every variable of that hour (line = its first row); a bad row is rejected alone.
 */
export function parseEia(body: Uint8Array): ParsedItem[] {
  const parsed = parseGuardedJson(body);
  if (!parsed.ok) return [reject('malformed', parsed.message, 0, body)];
  const response = isJsonObject(parsed.value) ? parsed.value['response'] : undefined;
  const rows = isJsonObject(response) ? response['data'] : undefined;
  if (!Array.isArray(rows)) return [reject('malformed', 'not an EIA response: no response.data array', 0, body)];

  const rejected: ParsedItem[] = [];
  const groups = new Map<string, Group>();
  rows.forEach((row: unknown, index) => {
    const reading = readRow(row, index + 1);
    if ('ok' in reading) {
      rejected.push(reading);
      return;
    }
    const key = `${reading.respondent}\u0000${reading.ts}`;
    const group = groups.get(key) ?? { line: index + 1, respondent: reading.respondent, ts: reading.ts, values: new Map() };
    groups.set(key, group);
    if (reading.value !== null) group.values.set(reading.variable, reading.value);
  });

  const drafts = [...groups.values()]
    .filter((group) => group.values.size > 0)
    .map((group) => {
      const values = Object.fromEntries(group.values);
      const units = Object.fromEntries([...group.values.keys()].map((variable) => [variable, 'MWh']));
      const tags = { region: group.respondent, tz: 'UTC' };
      return accept({ source: 'eia', entity: `eia:${group.respondent}`, ts: group.ts, values, units, tags }, group.line);
    });
  return [...rejected, ...drafts].sort((a, b) => a.line - b.line);
}

function readRow(row: unknown, line: number): EiaReading | ParsedItem {
  const fail = (reason: 'missing_field' | 'wrong_type', message: string, fieldPath?: string) =>
    reject(reason, message, line, JSON.stringify(row), fieldPath);
  if (!isJsonObject(row)) return fail('wrong_type', `an EIA data row is an object, got ${excerpt(row)}`);
  const { period, respondent, type, fueltype, value } = row;

  if (period === undefined || period === null) return fail('missing_field', 'period is missing', 'period');
  // Hourly periods are UTC hours: "2026-01-01T05".
  const ts = typeof period === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}$/.test(period) ? epochMsOfIso(`${period}:00Z`) : undefined;
  if (ts === undefined) return fail('wrong_type', `period is an hour such as "2026-01-01T05", got ${excerpt(period)}`, 'period');

  if (respondent === undefined || respondent === null || respondent === '') {
    return fail('missing_field', 'respondent is missing', 'respondent');
  }
  if (typeof respondent !== 'string') return fail('wrong_type', `respondent is a string, got ${excerpt(respondent)}`, 'respondent');

  let variable: string | undefined;
  if (fueltype !== undefined) {
    if (typeof fueltype !== 'string' || fueltype === '') {
      return fail('wrong_type', `fueltype is a code such as "NG", got ${excerpt(fueltype)}`, 'fueltype');
    }
    variable = `gen_${fueltype.toLowerCase()}`;
  } else {
    if (type === undefined) return fail('missing_field', 'neither type nor fueltype is given', 'type');
    variable = typeof type === 'string' ? regionVariables.get(type) : undefined;
    if (variable === undefined) return fail('wrong_type', `type is one of D, DF, NG, TI, got ${excerpt(type)}`, 'type');
  }

  if (value === undefined) return fail('missing_field', 'value is missing', 'value');
  const number = typeof value === 'number' ? value : typeof value === 'string' ? numberOfText(value) : undefined;
  if (value !== null && number === undefined) return fail('wrong_type', `value is a number, got ${excerpt(value)}`, 'value');
  return { respondent, ts, variable, value: number ?? null };
}
