import { deadLetter, emit, quality, type DeadLetter, type Output, type Transform } from '@gridstream/runtime';
import type { Measurement } from '@gridstream/schemas';
import type { ValidateConfig } from './config.js';
import { contractOf, contracts, toCanonical, unitFactors, variableContract, type SourceContract } from '@gridstream/sources';

/**
 * Longest source, entity, eventId, name, unit or tag accepted. Real ones are short; a longer one
 * (a foreign producer's 1 MB entity) would bloat every record downstream, and an entity is also
 * the output key, which twice that size no longer fits in a Kafka record.
 */
export const MAX_TEXT_CHARS = 256;

/**
 * Passes a measurement that meets its source's contract to <p>.valid; anything else is dead-lettered
 * with the first problem found. Both are counted for the source's validity.
 */
export const validate: Transform<Measurement, undefined, ValidateConfig, Measurement> = (m, _state, ctx) => {
  const contract = contractOf(m.source);
  const tooLong = textProblem(m);
  if (tooLong) return invalid(tooLong, m, contract ? m.source : 'unknown');
  if (!contract) {
    const problem = deadLetter('unknown_source', `no contract for source "${m.source}"; known: ${Object.keys(contracts).join(', ')}`, 'source');
    return invalid(problem, m, 'unknown'); // a metric label per made-up source would grow without bound
  }
  if (!m.entity.startsWith(`${m.source}:`) || m.entity.length === m.source.length + 1) {
    return invalid(deadLetter('unknown_source', `entity "${m.entity}" does not start with "${m.source}:"`, 'entity'), m, m.source);
  }
  const problem = timeProblem(m, contract, ctx.now(), ctx.config) ?? tagProblem(m, contract) ?? valueProblem(m, contract);
  return problem ? invalid(problem, m, m.source) : [emit(m.entity, m), quality(m.source, 'valid', 1, m.ts)];
};

/** A rejected record, counted in the window of its ts — or of its arrival, when the ts itself is the problem or the source is unknown. */
function invalid(problem: DeadLetter, m: Measurement, source: string): Output<Measurement>[] {
  const trustTs = source !== 'unknown' && problem.fieldPath !== 'ts';
  return [problem, quality(source, 'invalid', 1, trustTs ? m.ts : m.ingestedAt)];
}

/** Checked first, so no other message or field path repeats a string of unbounded length. */
function textProblem(m: Measurement): DeadLetter | undefined {
  const longer = (text: string) => `${text.length} characters, more than ${MAX_TEXT_CHARS}`;
  for (const field of ['source', 'entity', 'eventId'] as const) {
    if (m[field].length > MAX_TEXT_CHARS) return deadLetter('malformed', `${field} is ${longer(m[field])}`, field);
  }
  for (const field of ['values', 'units', 'tags'] as const) {
    for (const [name, value] of Object.entries(m[field])) {
      if (name.length > MAX_TEXT_CHARS) return deadLetter('malformed', `a name in ${field} is ${longer(name)}`, field);
      if (typeof value === 'string' && value.length > MAX_TEXT_CHARS) return deadLetter('malformed', `${field}.${name} is ${longer(value)}`, `${field}.${name}`);
    }
  }
  return undefined;
}

function timeProblem(m: Measurement, contract: SourceContract, nowMs: number, config: ValidateConfig): DeadLetter | undefined {
  if (!Number.isSafeInteger(m.ts) || m.ts < 0) return deadLetter('out_of_range', `ts ${m.ts} is before 1970`, 'ts');
  const skewMs = contract.maxFutureSkewMs ?? config.maxFutureSkewMs;
  if (m.ts > nowMs + skewMs) {
    return deadLetter('future_ts', `ts ${new Date(m.ts).toISOString()} is more than ${skewMs} ms after now (${new Date(nowMs).toISOString()})`, 'ts');
  }
  return undefined;
}

function tagProblem(m: Measurement, contract: SourceContract): DeadLetter | undefined {
  for (const tag of contract.requiredTags) {
    if (!m.tags[tag]) return deadLetter('missing_field', `tag "${tag}" is required for source ${m.source}`, `tags.${tag}`);
  }
  if (m.tags.tz !== undefined && !isTimeZone(m.tags.tz)) {
    return deadLetter('unknown_time_zone', `"${m.tags.tz}" is not an IANA time zone, e.g. Europe/Berlin`, 'tags.tz');
  }
  return undefined;
}

function valueProblem(m: Measurement, contract: SourceContract): DeadLetter | undefined {
  for (const [name, variable] of Object.entries(contract.variables)) {
    if (variable.required && !Object.hasOwn(m.values, name)) return deadLetter('missing_field', `${name} is required for source ${m.source}`, `values.${name}`);
  }
  if (Object.keys(m.values).length === 0) return deadLetter('missing_field', 'no values', 'values');
  for (const [name, value] of Object.entries(m.values)) {
    const variable = variableContract(contract, name);
    if (!variable) return deadLetter('unknown_field', `${name} is not a variable of source ${m.source}`, `values.${name}`);
    if (!Number.isFinite(value)) return deadLetter('not_finite', `${name} is ${value}`, `values.${name}`);
    const unit = Object.hasOwn(m.units, name) ? m.units[name]! : '';
    const inContractUnit = toCanonical(variable, value, unit);
    if (inContractUnit === undefined) {
      const accepted = Object.keys(unitFactors[variable.quantity]).map((u) => u || '(none)').join(', ');
      return deadLetter('unknown_unit', `${name} in "${unit}"; ${variable.quantity} takes ${accepted}`, `units.${name}`);
    }
    if (inContractUnit < variable.min || inContractUnit > variable.max) {
      const shown = `${value}${unit ? ` ${unit}` : ''}`;
      return deadLetter('out_of_range', `${name} ${shown} is outside ${variable.min}..${variable.max}${variable.unit ? ` ${variable.unit}` : ''}`, `values.${name}`);
    }
  }
  for (const name of Object.keys(m.units)) {
    if (!Object.hasOwn(m.values, name)) return deadLetter('unknown_field', `unit given for ${name}, which has no value`, `units.${name}`);
  }
  return undefined;
}

const timeZoneValidity = new Map<string, boolean>();

/** Intl knows the IANA names; the answer is cached because constructing a formatter is slow. */
function isTimeZone(name: string): boolean {
  let valid = timeZoneValidity.get(name);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: name });
      valid = true;
    } catch {
      valid = false; // RangeError: an unknown zone is the answer, not a failure
    }
    if (timeZoneValidity.size < 10_000) timeZoneValidity.set(name, valid);
  }
  return valid;
}
