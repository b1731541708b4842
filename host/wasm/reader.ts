import { SandprobeError } from "../errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** Names up to this many bytes that are ASCII are decoded without TextDecoder. */
const SHORT_NAME = 64;

/**
 * A bounds-checked cursor over WebAssembly binary data. Every read that would
 * run past `end` or decode a non-canonical value throws E_MALFORMED with the
 * offset, so callers never index out of range.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(message: string, at = this.pos): never {
    throw new SandprobeError("E_MALFORMED", `${message} at byte ${at}`, { offset: at });
  }

  u8(): number {
    if (this.pos >= this.end) this.fail("unexpected end");
    return this.bytes[this.pos++] as number;
  }

  /** Unsigned LEB128 of at most 32 bits (5 bytes, unused high bits zero). */
  u32(): number {
    const start = this.pos;
    // Most numbers in code are one byte long.
    if (start < this.end) {
      const first = this.bytes[start] as number;
      if (first < 0x80) {
        this.pos = start + 1;
        return first;
      }
    }
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const byte = this.u8();
      if (i === 4 && byte & 0xf0) this.fail("u32 LEB128 overflows 32 bits", start);
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
    return this.fail("u32 LEB128 longer than 5 bytes", start);
  }

  /** Signed LEB128 of at most `bits` bits; returned as a bigint for 64-bit safety. */
  sleb(bits: 32 | 33 | 64): bigint {
    const start = this.pos;
    const maxBytes = Math.ceil(bits / 7);
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < maxBytes; i++) {
      const byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if ((byte & 0x80) === 0) {
        if (i === maxBytes - 1) {
          // The unused bits of the last byte must be a sign extension.
          const used = bits - 7 * (maxBytes - 1);
          const rest = byte >> (used - 1);
          if (rest !== 0 && rest !== 0x7f >> (used - 1)) this.fail(`s${bits} LEB128 out of range`, start);
        }
        if (byte & 0x40) result -= 1n << shift;
        return result;
      }
    }
    return this.fail(`s${bits} LEB128 too long`, start);
  }

  /** Signed LEB128 of at most 32 bits (5 bytes, unused high bits a sign extension), as a number. */
  s32(): number {
    const start = this.pos;
    let result = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const byte = this.u8();
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return byte & 0x40 ? result | (-1 << (shift + 7)) : result;
    }
    const last = this.u8();
    const high = last & 0xf8;
    if (high !== 0 && high !== 0x78) this.fail("s32 LEB128 out of range or too long", start);
    return result | (last << 28);
  }

  /** Skip a signed LEB128 without decoding it (validated only for length). */
  skipLeb(maxBytes: number): void {
    const start = this.pos;
    for (let i = 0; i < maxBytes; i++) {
      if ((this.u8() & 0x80) === 0) return;
    }
    this.fail("LEB128 too long", start);
  }

  /** Move past `length` bytes (a bytesView without the view). */
  skip(length: number): void {
    if (length > this.remaining) this.fail(`length ${length} runs past the end`);
    this.pos += length;
  }

  bytesView(length: number): Uint8Array {
    const start = this.pos;
    this.skip(length);
    return this.bytes.subarray(start, this.pos);
  }

  /** A length-prefixed UTF-8 name. */
  name(): string {
    const length = this.u32();
    const start = this.pos;
    this.skip(length);
    const bytes = this.bytes;
    // Names are almost always short and ASCII (a module can have 10,000 exports): built
    // here, one costs a third of a TextDecoder call. Anything else goes to the decoder.
    if (length <= SHORT_NAME) {
      let name = "";
      for (let i = start; i < this.pos; i++) {
        const byte = bytes[i] as number;
        if (byte >= 0x80) return this.decodeName(start);
        name += String.fromCharCode(byte);
      }
      return name;
    }
    return this.decodeName(start);
  }

  private decodeName(start: number): string {
    try {
      return utf8.decode(this.bytes.subarray(start, this.pos));
    } catch {
      return this.fail("name is not valid UTF-8", start);
    }
  }

  expectEnd(what: string): void {
    if (this.pos !== this.end) this.fail(`${what}: ${this.end - this.pos} trailing bytes`);
  }
}
