import { encodeS32, encodeU32 } from "./encode.js";

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

  u32(value: number): this {
    return this.array(encodeU32(value));
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
