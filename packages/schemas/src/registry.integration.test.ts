import { inject, describe, expect, it } from 'vitest';
import { uniqueName } from '@gridstream/test-kit';
import { loadHistory, loadSchemas } from './schema-files.js';
import { topicNames, valueSchemaOf } from './topics.js';

const { schemaRegistryUrl } = inject('stack');
const json = { 'content-type': 'application/vnd.schemaregistry.v1+json' };

async function register(subject: string, schema: object): Promise<{ status: number; body: { id?: number } }> {
  const response = await fetch(`${schemaRegistryUrl}/subjects/${subject}/versions`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ schemaType: 'AVRO', schema: JSON.stringify(schema) }),
  });
  return { status: response.status, body: await response.json() };
}

describe('the schemas in the real registry', () => {
  it('register under FULL_TRANSITIVE for every topic: each released version, then the current one', async () => {
    const t = topicNames(uniqueName('schemas'));
    const schemas = loadSchemas();
    for (const [topic, name] of Object.entries(valueSchemaOf)) {
      const subject = t.subject(t[topic as keyof typeof valueSchemaOf]);
      const config = await fetch(`${schemaRegistryUrl}/config/${subject}`, {
        method: 'PUT',
        headers: json,
        body: JSON.stringify({ compatibility: 'FULL_TRANSITIVE' }),
      });
      expect(config.status).toBe(200);
      for (const version of [...loadHistory(name), schemas.get(name)!]) {
        const { status, body } = await register(subject, version);
        expect({ subject, status }).toEqual({ subject, status: 200 });
        expect(body.id).toBeGreaterThan(0);
      }
    }
  });
});
