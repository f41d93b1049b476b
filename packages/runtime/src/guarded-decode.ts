import avro from 'avsc';
import { UndecodableError } from './errors.js';

/** Limits a message must stay within before anything is allocated for it. */
export interface DecodeLimits {
  /** Array items plus map entries over the whole message. */
  maxItems: number;
  /** Bytes of one string or bytes value. */
  maxValueBytes: number;
}

export const defaultDecodeLimits: DecodeLimits = { maxItems: 1_000_000, maxValueBytes: 8 * 1024 * 1024 };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Returns a decoder for Avro bodies of `type` that first walks the bytes and checks every
 * declared length: a string or bytes length against the bytes left and `maxValueBytes`, an
 * array or map count against the bytes its items need at least and `maxItems`. Avro puts those
 * lengths in the data, so without this a 10-byte record declaring 2^31 items makes the decoder
 * loop and allocate until the process dies. Anything that fails is an UndecodableError.
 * With a `reader` type, the record is resolved from `type` (the writer's) into the reader's shape.
 */
export function guardedDecoder(
  type: avro.Type,
  limits: DecodeLimits = defaultDecodeLimits,
  reader?: avro.Type,
): (body: Buffer) => unknown {
  // Data written with an older (or newer) version is read into the reader's shape: FULL_TRANSITIVE.
  let resolver: ReturnType<avro.Type["createResolver"]> | undefined;
  try {
    resolver = reader && reader.createResolver(type);
  } catch (error) {
    // A writer schema the reader cannot read (e.g. a FeatureVector's id on <p>.raw) is the record's fault: no retry fixes it.
    throw new UndecodableError(`written with ${type.name ?? type.typeName}, which ${reader!.name ?? reader!.typeName} cannot read: ${(error as Error).message}`, { cause: error });
  }
  const check = compile(type, type.name?.split('.').pop() ?? type.typeName, new Set());
  return (body) => {
    const cursor: Cursor = { body, pos: 0, itemsLeft: limits.maxItems, limits, indices: [] };
    check(cursor);
    if (cursor.pos !== body.length) {
      throw new UndecodableError(`${body.length - cursor.pos} bytes left over after the record (${body.length} bytes)`);
    }
    try {
      return reader ? reader.fromBuffer(body, resolver) : type.fromBuffer(body);
    } catch (error) {
      throw new UndecodableError(`avro decode failed: ${(error as Error).message}`, { cause: error });
    }
  };
}

interface Cursor {
  body: Buffer;
  pos: number;
  itemsLeft: number;
  limits: DecodeLimits;
  /** The index of the item being checked in each array or map around the current value, outermost first. */
  indices: number[];
}

/** Checks one value of a type at the cursor and moves past it. */
type Check = (c: Cursor) => void;

/**
 * The check for a type, built once per decoder: walking the type for every message cost more than
 * decoding it. Paths are built here too; `#` stands for an item's index, filled in only when a
 * check fails (Avro names cannot hold `#`). `compiling` holds the records being built, so a
 * recursive one is not built for ever.
 */
function compile(type: avro.Type, path: string, compiling: Set<avro.Type>): Check {
  switch (type.typeName) {
    case 'null':
      return () => {};
    case 'boolean':
      return (c) => skip(c, 1, path);
    case 'int':
      return (c) => {
        // avsc reads an int as a long and does not check its range, so 2^40 would decode and only fail when re-encoded.
        const value = readLong(c, path);
        if (value < -(2 ** 31) || value >= 2 ** 31) fail(c, path, `${value} does not fit in an int`);
      };
    case 'long':
      return (c) => void readLong(c, path);
    case 'float':
      return (c) => skip(c, 4, path);
    case 'double':
      return (c) => skip(c, 8, path);
    case 'string':
      return (c) => void checkString(c, path);
    case 'bytes':
      return (c) => skip(c, readLength(c, path), path);
    case 'fixed': {
      const size = (type as avro.types.FixedType).size;
      return (c) => skip(c, size, path);
    }
    case 'enum': {
      const symbols = (type as avro.types.EnumType).symbols.length;
      return (c) => {
        const index = readLong(c, path);
        if (index < 0 || index >= symbols) fail(c, path, `enum index ${index} of ${symbols}`);
      };
    }
    case 'union:unwrapped':
    case 'union:wrapped': {
      const branches = (type as avro.types.UnwrappedUnionType).types.map((branch) => compile(branch, path, compiling));
      return (c) => {
        const index = readLong(c, path);
        const branch = branches[index];
        if (!branch) fail(c, path, `union branch ${index} of ${branches.length}`);
        branch(c);
      };
    }
    case 'array': {
      const items = (type as avro.types.ArrayType).itemsType;
      const item = compile(items, `${path}[#]`, compiling);
      const minItemBytes = minBytes(items);
      return (c) => checkBlocks(c, path, minItemBytes, item);
    }
    case 'map': {
      const values = (type as avro.types.MapType).valuesType;
      const [keyPath, value] = [`${path}{key #}`, compile(values, `${path}{#}`, compiling)];
      const minEntryBytes = 1 + minBytes(values);
      return (c) =>
        checkBlocks(c, path, minEntryBytes, () => {
          // avsc assigns map entries to a plain object, where this key would vanish into the prototype.
          const keyBytes = checkString(c, keyPath);
          if (keyBytes === protoKey.length && c.body.compare(protoKey, 0, protoKey.length, c.pos - protoKey.length, c.pos) === 0) {
            fail(c, path, 'a map key "__proto__" cannot be read into an object');
          }
          value(c);
        });
    }
    case 'record':
    case 'error': {
      // A record inside itself is built when a message first goes that deep, with its paths there.
      if (compiling.has(type)) {
        let deeper: Check | undefined;
        return (c) => (deeper ??= compile(type, path, new Set()))(c);
      }
      compiling.add(type);
      const fields = (type as avro.types.RecordType).fields.map((field) => compile(field.type, `${path}.${field.name}`, compiling));
      compiling.delete(type);
      return (c) => {
        for (const field of fields) field(c);
      };
    }
    default:
      // A logical type wraps its underlying type.
      if ('underlyingType' in type) return compile((type as avro.types.LogicalType).underlyingType, path, compiling);
      throw new UndecodableError(`${path}: the guard does not know Avro type ${type.typeName}`);
  }
}

const protoKey = Buffer.from('__proto__');

/** Throws the UndecodableError of a check, its path's `#`s filled with the indices of the items being checked. */
function fail(c: Cursor, path: string, problem: string): never {
  let depth = 0;
  throw new UndecodableError(`${path.replace(/#/g, () => String(c.indices[depth++]))}: ${problem}`);
}

/** Checks a string's length and UTF-8, moves past it and returns its length in bytes. */
function checkString(c: Cursor, path: string): number {
  const start = c.pos;
  const length = readLength(c, path);
  if (!isAscii(c.body, c.pos, length)) {
    try {
      utf8.decode(c.body.subarray(c.pos, c.pos + length));
    } catch {
      fail(c, path, `invalid UTF-8 in a string at byte ${start}`);
    }
  }
  skip(c, length, path);
  return length;
}

/** Array and map data come in blocks: a count (negative: followed by the block's byte size), items, and 0 at the end. */
function checkBlocks(c: Cursor, path: string, minItemBytes: number, item: Check): void {
  const depth = c.indices.length;
  c.indices.push(0);
  for (;;) {
    let count = readLong(c, path);
    if (count === 0) break;
    let blockBytes: number | undefined;
    if (count < 0) {
      count = -count;
      // The block's size in bytes. A reader that dropped this field skips the block by it, so a
      // wrong size would misalign it, and a negative one makes avsc jump back and loop for ever.
      blockBytes = readLong(c, path);
    }
    const left = c.body.length - c.pos;
    if (count > c.itemsLeft) fail(c, path, `declares ${count} items, over the limit of ${c.limits.maxItems} per message`);
    if (count * minItemBytes > left) fail(c, path, `declares ${count} items of at least ${minItemBytes} bytes, but ${left} bytes are left`);
    c.itemsLeft -= count;
    const blockStart = c.pos;
    for (let i = 0; i < count; i++) {
      item(c);
      c.indices[depth]!++;
    }
    if (blockBytes !== undefined && c.pos - blockStart !== blockBytes) {
      fail(c, path, `a block declares ${blockBytes} bytes but its items take ${c.pos - blockStart}`);
    }
  }
  c.indices.pop();
}

/** The fewest bytes a value of this type can take, so a count can be checked before the items are read. */
function minBytes(type: avro.Type): number {
  switch (type.typeName) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return (type as avro.types.FixedType).size;
    case 'record':
    case 'error':
      return (type as avro.types.RecordType).fields.reduce((sum, f) => sum + minBytes(f.type), 0);
    default:
      if ('underlyingType' in type) return minBytes((type as avro.types.LogicalType).underlyingType);
      return 1; // boolean, varints, length-prefixed values, enums, unions, arrays and maps
  }
}

function readLength(c: Cursor, path: string): number {
  const length = readLong(c, path);
  const left = c.body.length - c.pos;
  if (length < 0) fail(c, path, `negative length ${length}`);
  if (length > c.limits.maxValueBytes) fail(c, path, `declares ${length} bytes, over the limit of ${c.limits.maxValueBytes}`);
  if (length > left) fail(c, path, `declares ${length} bytes, but ${left} are left`);
  return length;
}

/** ASCII is valid UTF-8; checking for it first spares a TextDecoder call per string, which made 64 KiB of empty strings take 50 ms. */
function isAscii(body: Buffer, start: number, length: number): boolean {
  for (let i = start; i < start + length; i++) if (body[i]! >= 0x80) return false;
  return true;
}

function skip(c: Cursor, bytes: number, path: string): void {
  if (c.pos + bytes > c.body.length) fail(c, path, `truncated at byte ${c.pos}, needs ${bytes} more`);
  c.pos += bytes;
}

/** A zigzag varint of at most 10 bytes; beyond 2^53 a JavaScript number would lie, so it is refused. */
function readLong(c: Cursor, path: string): number {
  let unsigned = 0;
  let scale = 1;
  for (let i = 0; ; i++) {
    if (i === 10) fail(c, path, `varint longer than 10 bytes at byte ${c.pos}`);
    const byte = c.body[c.pos++];
    if (byte === undefined) fail(c, path, `truncated varint at byte ${c.pos - 1}`);
    unsigned += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) break;
    scale *= 128;
  }
  if (unsigned > Number.MAX_SAFE_INTEGER) fail(c, path, `integer beyond 2^53 at byte ${c.pos}`);
  return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
}
