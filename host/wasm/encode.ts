/** Small encoders for writing WebAssembly binary data. */

const utf8 = new TextEncoder();

/** Throw a RangeError unless `value` fits a u32 (what every u32 encoder accepts). */
export function checkU32(value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`not a u32: ${value}`);
}

/**
 * Write the minimal unsigned LEB128 of a u32 into `target` at `at` (room for
 * 5 bytes is the caller's); returns the offset after it. ByteWriter writes in
 * place with it, encodeU32 returns the bytes.
 */
export function writeU32(target: Uint8Array, at: number, value: number): number {
  checkU32(value);
  let rest = value >>> 0;
  let next = at;
  while (rest >= 0x80) {
    target[next++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  target[next++] = rest;
  return next;
}

/** Bytes in the minimal unsigned LEB128 of a u32. */
export function u32Width(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** Room for one LEB128 of 32 bits, for the encoders that return arrays. */
const scratch = new Uint8Array(5);

/** Minimal unsigned LEB128 of a u32. */
export function encodeU32(value: number): number[] {
  return Array.from(scratch.subarray(0, writeU32(scratch, 0, value)));
}

/** A length-prefixed UTF-8 name. */
export function encodeName(name: string): Uint8Array {
  const bytes = utf8.encode(name);
  return concatBytes([Uint8Array.from(encodeU32(bytes.length)), bytes]);
}

/** A whole section: id, minimal LEB size, payload. */
export function encodeSection(id: number, payload: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.of(id, ...encodeU32(payload.length)), payload]);
}

/** A whole custom section (id 0) with its name and content. */
export function encodeCustomSection(name: string, content: Uint8Array): Uint8Array {
  return encodeSection(0, concatBytes([encodeName(name), content]));
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Write the minimal signed LEB128 of an i32 (as `i32.const` immediates are written) at `at`; returns the offset after it. */
export function writeS32(target: Uint8Array, at: number, value: number): number {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff)
    throw new RangeError(`not an i32: ${value}`);
  let rest = value | 0;
  let next = at;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
    target[next++] = done ? byte : byte | 0x80;
    if (done) return next;
  }
}

/** Minimal signed LEB128 of an i32 (as `i32.const` immediates are written). */
export function encodeS32(value: number): number[] {
  return Array.from(scratch.subarray(0, writeS32(scratch, 0, value)));
}

/** Minimal signed LEB128 of an i64 (as `i64.const` immediates are written). */
export function encodeS64(value: bigint): number[] {
  if (value < -(1n << 63n) || value >= 1n << 63n) throw new RangeError(`not an i64: ${value}`);
  const out: number[] = [];
  let rest = value;
  for (;;) {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    const done = (rest === 0n && (byte & 0x40) === 0) || (rest === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}
