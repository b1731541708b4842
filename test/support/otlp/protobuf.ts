/**
 * A small protobuf wire-format reader: enough to decode OTLP messages without
 * the exporter's own encoder. Every malformed input ends in an
 * `OtlpDecodeError`, never in a crash or an endless loop.
 */

/** Bytes, JSON or a field that do not decode as OTLP. */
export class OtlpDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OtlpDecodeError";
  }
}

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

const utf8 = new TextDecoder("utf-8", { fatal: true });

export interface Tag {
  readonly field: number;
  readonly wire: number;
}

export class ProtoReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #pos: number;
  readonly #end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = start;
    this.#end = end;
  }

  get done(): boolean {
    return this.#pos >= this.#end;
  }

  get position(): number {
    return this.#pos;
  }

  #need(count: number): void {
    if (count > this.#end - this.#pos) {
      throw new OtlpDecodeError(`truncated: need ${count} bytes at offset ${this.#pos}, message ends at ${this.#end}`);
    }
  }

  /** The next field's number and wire type. */
  tag(): Tag {
    const key = this.varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0 || field > 0x1fffffff) throw new OtlpDecodeError(`invalid field number ${field}`);
    return { field, wire };
  }

  /** An unsigned varint of up to 64 bits (10 bytes). */
  varint(): bigint {
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      this.#need(1);
      const byte = this.#bytes[this.#pos++]!;
      if (i === 9 && byte > 1) throw new OtlpDecodeError("varint overflows 64 bits");
      result |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) return result;
    }
    throw new OtlpDecodeError("varint longer than 10 bytes");
  }

  /** int64 / uint64 / int32 as a two's-complement 64-bit value. */
  int64(): bigint {
    return BigInt.asIntN(64, this.varint());
  }

  uint64(): bigint {
    return this.varint();
  }

  /** uint32 and enum values. */
  uint32(): number {
    return Number(BigInt.asUintN(32, this.varint()));
  }

  /** int32 and enums (negative int32 is sign-extended to 10 bytes on the wire). */
  int32(): number {
    return Number(BigInt.asIntN(32, this.varint()));
  }

  /** sint32 / sint64 (zigzag). */
  sint(): bigint {
    const raw = this.varint();
    return (raw >> 1n) ^ -(raw & 1n);
  }

  bool(): boolean {
    return this.varint() !== 0n;
  }

  fixed64(): bigint {
    this.#need(8);
    const value = this.#view.getBigUint64(this.#pos, true);
    this.#pos += 8;
    return value;
  }

  sfixed64(): bigint {
    return BigInt.asIntN(64, this.fixed64());
  }

  fixed32(): number {
    this.#need(4);
    const value = this.#view.getUint32(this.#pos, true);
    this.#pos += 4;
    return value;
  }

  double(): number {
    this.#need(8);
    const value = this.#view.getFloat64(this.#pos, true);
    this.#pos += 8;
    return value;
  }

  /** A length-delimited field's bytes (a view, not a copy). */
  bytes(): Uint8Array {
    const length = this.varint();
    if (length > BigInt(this.#end - this.#pos)) {
      throw new OtlpDecodeError(`length ${length} at offset ${this.#pos} runs past the message end ${this.#end}`);
    }
    const start = this.#pos;
    this.#pos += Number(length);
    return this.#bytes.subarray(start, this.#pos);
  }

  string(): string {
    try {
      return utf8.decode(this.bytes());
    } catch (error) {
      if (error instanceof OtlpDecodeError) throw error;
      throw new OtlpDecodeError(`string field is not valid UTF-8 (before offset ${this.#pos})`);
    }
  }

  /** A reader over an embedded message. */
  message(): ProtoReader {
    const body = this.bytes();
    return new ProtoReader(body);
  }

  /** Skips a field of this wire type (groups are refused: OTLP has none). */
  skip(wire: number): void {
    switch (wire) {
      case WireType.VARINT:
        this.varint();
        return;
      case WireType.I64:
        this.#need(8);
        this.#pos += 8;
        return;
      case WireType.LEN:
        this.bytes();
        return;
      case WireType.I32:
        this.#need(4);
        this.#pos += 4;
        return;
      default:
        throw new OtlpDecodeError(`unsupported wire type ${wire} at offset ${this.#pos}`);
    }
  }

  /**
   * A repeated scalar field: packed (one LEN field holding many) or not (one
   * value per tag); `read` reads one value from the given reader.
   */
  repeated<T>(wire: number, scalarWire: number, read: (reader: ProtoReader) => T): T[] {
    if (wire === WireType.LEN && scalarWire !== WireType.LEN) {
      const packed = this.message();
      const values: T[] = [];
      while (!packed.done) values.push(read(packed));
      return values;
    }
    expectWire(wire, scalarWire);
    return [read(this)];
  }
}

/** Fails unless a field arrived with the wire type its schema says. */
export function expectWire(actual: number, expected: number): void {
  if (actual !== expected) throw new OtlpDecodeError(`wire type ${actual} where the schema says ${expected}`);
}
