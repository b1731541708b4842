/** Small encoders for writing WebAssembly binary data. */

const utf8 = new TextEncoder();

/** Throw a RangeError unless `value` fits a u32 (what every u32 encoder accepts). */
export function checkU32(value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`not a u32: ${value}`);
}

/** Minimal unsigned LEB128 of a u32. */
export function encodeU32(value: number): number[] {
  checkU32(value);
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
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

/** Minimal signed LEB128 of an i32 (as `i32.const` immediates are written). */
export function encodeS32(value: number): number[] {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff)
    throw new RangeError(`not an i32: ${value}`);
  const out: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
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
