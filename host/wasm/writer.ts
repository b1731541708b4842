import { checkU32, encodeS32 } from "./encode.js";

/**
 * A growable byte buffer for writing WebAssembly binary data in one pass
 * (rewritten code sections), without building an array per instruction.
 */
export class ByteWriter {
  private buffer: Uint8Array;
  private size = 0;

  constructor(capacity = 256) {
    this.buffer = new Uint8Array(Math.max(16, capacity));
  }

  get length(): number {
    return this.size;
  }

  private reserve(extra: number): void {
    const needed = this.size + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.size));
    this.buffer = grown;
  }

  u8(byte: number): this {
    this.reserve(1);
    this.buffer[this.size++] = byte & 0xff;
    return this;
  }

  /** Unsigned LEB128, written in place (no array per number). */
  u32(value: number): this {
    checkU32(value);
    this.reserve(5);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.size++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buffer[this.size++] = rest;
    return this;
  }

  s32(value: number): this {
    return this.array(encodeS32(value));
  }

  array(values: readonly number[]): this {
    this.reserve(values.length);
    for (const value of values) this.buffer[this.size++] = value & 0xff;
    return this;
  }

  bytes(view: Uint8Array): this {
    this.reserve(view.length);
    this.buffer.set(view, this.size);
    this.size += view.length;
    return this;
  }

  /** `source[start..end)`, copied; short runs byte by byte (cheaper than a subarray and a set). */
  range(source: Uint8Array, start: number, end: number): this {
    const length = end - start;
    this.reserve(length);
    if (length <= 16) {
      for (let i = start; i < end; i++) this.buffer[this.size++] = source[i] as number;
    } else {
      this.buffer.set(source.subarray(start, end), this.size);
      this.size += length;
    }
    return this;
  }

  /** What was written so far, without copying: valid until the next write or clear. */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.size);
  }

  /** Start again at length 0, keeping the buffer (a scratch writer reused per function body). */
  clear(): this {
    this.size = 0;
    return this;
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.size);
  }
}
