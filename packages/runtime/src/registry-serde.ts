import avro from 'avsc';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { AvroSchema } from '@gridstream/schemas';
import { RegistryUnavailableError, UndecodableError } from './errors.js';
import { defaultDecodeLimits, guardedDecoder, type DecodeLimits } from './guarded-decode.js';

/**
 * Avro values in the Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian
 * int, the Avro body. Writers register their schema (FULL_TRANSITIVE); readers decode any
 * registered version into their own schema, through the guarded decoder.
 */
export class RegistrySerde {
  private readonly writerTypes = new Map<number, avro.Type>();
  private scratch = Buffer.allocUnsafe(64 * 1024);
  /** Per reader type (two versions of one record must not share), per writer schema id. */
  private readonly decoders = new WeakMap<avro.Type, Map<number, Promise<(body: Buffer) => unknown>>>();

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly limits: DecodeLimits = defaultDecodeLimits,
  ) {}

  /** Registers the schema under the subject (or finds it there) and returns its id. */
  async register(subject: string, schema: AvroSchema): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { id } = await this.registry.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
          { subject, compatibility: COMPATIBILITY.FULL_TRANSITIVE },
        );
        this.writerTypes.set(id, avro.Type.forSchema(schema as avro.Schema));
        return id;
      } catch (error) {
        // Two services setting a new subject's compatibility at once: the loser's PUT finds the rule there; asked again, it is seen.
        if (attempt === 1 && isConfigRace(error)) continue;
        if (isHttpStatus(error)) throw error; // 409 incompatible, 422 invalid: a bug in the schema, not an outage
        throw new RegistryUnavailableError(`registering ${subject}: ${(error as Error).message}`, { cause: error });
      }
    }
  }

  /** Encodes with a schema this serde registered. */
  encode(schemaId: number, value: unknown): Buffer {
    const type = this.writerTypes.get(schemaId);
    if (!type) throw new Error(`schema ${schemaId} was not registered through this serde`);
    // Header and body written into one scratch buffer, then copied out once: a header, a body and
    // their concatenation were three allocations per record.
    let end = type.encode(value, this.scratch, 5);
    if (end < 0) {
      this.scratch = Buffer.allocUnsafe(2 * (this.scratch.length - end));
      end = type.encode(value, this.scratch, 5);
    }
    this.scratch[0] = 0;
    this.scratch.writeInt32BE(schemaId, 1);
    return Buffer.from(this.scratch.subarray(0, end));
  }

  /** Decodes a message into `reader`'s shape; poison is an UndecodableError, an unreachable registry a retriable one. */
  async decode(message: Buffer, reader: avro.Type): Promise<{ schemaId: number; value: unknown }> {
    if (message.length < 5) throw new UndecodableError(`${message.length} bytes, shorter than the 5-byte header`);
    if (message[0] !== 0) throw new UndecodableError(`magic byte ${message[0]}, expected 0`);
    const schemaId = message.readInt32BE(1);
    let byWriter = this.decoders.get(reader);
    if (!byWriter) this.decoders.set(reader, (byWriter = new Map()));
    let decoder = byWriter.get(schemaId);
    if (!decoder) {
      decoder = this.writerType(schemaId).then((writer) => guardedDecoder(writer, this.limits, reader));
      byWriter.set(schemaId, decoder);
      // An outage must not be remembered; a writer schema that cannot be read stays unreadable.
      decoder.catch((error: unknown) => (error as { code?: string }).code === 'undecodable' || byWriter.delete(schemaId));
    }
    return { schemaId, value: (await decoder)(message.subarray(5)) };
  }

  private async writerType(schemaId: number): Promise<avro.Type> {
    const known = this.writerTypes.get(schemaId);
    if (known) return known;
    let found: avro.Type;
    try {
      found = (await this.registry.getSchema(schemaId)) as unknown as avro.Type;
    } catch (error) {
      if (isHttpStatus(error, 404)) throw new UndecodableError(`schema id ${schemaId} is not in the registry`, { cause: error });
      throw new RegistryUnavailableError(`fetching schema ${schemaId}: ${(error as Error).message}`, { cause: error });
    }
    // Rebuilt from its JSON so that this package's avsc owns the type. A JSON Schema or Protobuf id is no Avro type.
    if (typeof (found as { schema?: unknown }).schema !== 'function') throw new UndecodableError(`schema id ${schemaId} is not an Avro schema`);
    return avro.Type.forSchema(found.schema() as avro.Schema);
  }
}

/** A 4xx answer from the registry. The client reports a connection failure as status 400, so 400 is not one. */
function isHttpStatus(error: unknown, status?: number): boolean {
  const actual = (error as { status?: unknown }).status;
  return typeof actual === 'number' && actual >= 400 && actual < 500 && actual !== 400 && (status === undefined || actual === status);
}

function isConfigRace(error: unknown): boolean {
  const { status, url } = error as { status?: unknown; url?: unknown };
  return status === 409 && typeof url === 'string' && url.includes('/config/');
}
