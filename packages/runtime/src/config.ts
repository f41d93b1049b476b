import { z } from 'zod';

/** Bad configuration: the service stops at start-up with every problem named. */
export class ConfigError extends Error {
  readonly code = 'config';
  override readonly name = 'ConfigError';
}

/**
 * Parses a stage's config from the environment once and freezes it. Each problem names the
 * variable, what it expects (its `.describe()` text), what it got, and an example from the
 * field's default or `.meta({ examples })`:
 * `CLEAN_GRACE_MS: expected a positive integer (milliseconds), got "5s"; e.g. CLEAN_GRACE_MS=5000`
 */
export function parseConfig<Schema extends z.ZodType>(
  schema: Schema,
  env: Record<string, string | undefined>,
): Readonly<z.output<Schema>> {
  const result = schema.safeParse(env);
  if (result.success) return deepFreeze(result.data);
  const properties = (z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }).properties ?? {}) as Record<
    string,
    { description?: string; default?: unknown; examples?: unknown[] }
  >;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    const property = properties[name];
    if (!property) return `${name || 'config'}: ${issue.message}`;
    const expected = property.description ? `expected ${property.description}` : issue.message;
    const value = env[name];
    const got = value === undefined ? 'not set' : `got ${JSON.stringify(value)}`;
    const example = property.examples?.[0] ?? property.default;
    return `${name}: ${expected}, ${got}${example === undefined ? '' : `; e.g. ${name}=${String(example)}`}`;
  });
  throw new ConfigError(problems.join('\n'));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
