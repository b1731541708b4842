import { u32Width, writeS32, writeU32 } from "./encode.js";

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
    this.reserve(5);
    this.size = writeU32(this.buffer, this.size, value);
    return this;
  }

  /** Signed LEB128 of an i32, written in place. */
  s32(value: number): this {
    this.reserve(5);
    this.size = writeS32(this.buffer, this.size, value);
    return this;
  }

  /**
   * Start a run that a u32 size prefix will precede (a function body), written
   * in place instead of in a scratch buffer and copied. Room is left for the
   * prefix of a run of `expected` bytes; `endSized(mark, expected)` writes the
   * real size, moving the run only when its prefix is not as long as guessed.
   */
  beginSized(expected: number): number {
    const mark = this.size;
    const width = u32Width(expected);
    this.reserve(width);
    this.size += width;
    return mark;
  }

  endSized(mark: number, expected: number): this {
    const guessed = u32Width(expected);
    const start = mark + guessed;
    const length = this.size - start;
    const width = u32Width(length);
    if (width !== guessed) {
      this.reserve(width - guessed);
      this.buffer.copyWithin(mark + width, start, this.size);
      this.size += width - guessed;
    }
    writeU32(this.buffer, mark, length);
    return this;
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
