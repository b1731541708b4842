/**
 * Trace and span ids as lower-case hex strings, the form `@opentelemetry/api`
 * uses. Random ids come from `crypto.getRandomValues`, available in Node 20,
 * workerd, Deno and browsers alike.
 */

import { hexByte } from "../../wasm/bytes.js";

/** Length in hex characters of a trace id (16 bytes). */
export const TRACE_ID_HEX_LENGTH = 32;
/** Length in hex characters of a span id (8 bytes). */
export const SPAN_ID_HEX_LENGTH = 16;

function isLowerHexCode(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66);
}

/** True when `text[start..end)` is lower-case hex (the HEXDIGLC rule). */
export function isLowerHexRange(text: string, start: number, end: number): boolean {
  if (end > text.length) return false;
  for (let i = start; i < end; i++) {
    if (!isLowerHexCode(text.charCodeAt(i))) return false;
  }
  return true;
}

function isAllZero(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) !== 0x30) return false;
  }
  return true;
}

/** Value of the lower-case hex byte at `text[at..at+2)`; the caller has checked the digits. */
export function hexByteAt(text: string, at: number): number {
  return (hexDigit(text.charCodeAt(at)) << 4) | hexDigit(text.charCodeAt(at + 1));
}

function hexDigit(code: number): number {
  return code <= 0x39 ? code - 0x30 : code - 0x61 + 10;
}

function isValidId(value: unknown, length: number): value is string {
  return (
    typeof value === "string" &&
    value.length === length &&
    isLowerHexRange(value, 0, length) &&
    !isAllZero(value, 0, length)
  );
}

/** 32 lower-case hex digits, not all zero. */
export function isValidTraceId(value: unknown): value is string {
  return isValidId(value, TRACE_ID_HEX_LENGTH);
}

/** 16 lower-case hex digits, not all zero. */
export function isValidSpanId(value: unknown): value is string {
  return isValidId(value, SPAN_ID_HEX_LENGTH);
}

/** Text `[start, end)` of `text` is all '0' characters. */
export function isZeroRange(text: string, start: number, end: number): boolean {
  return isAllZero(text, start, end);
}

/**
 * Random bytes are drawn 4 KiB at a time: one `getRandomValues` call costs
 * about 2 us in Node, far more than the 8 or 16 bytes an id needs. The pool
 * holds CSPRNG output only, and each byte is used once.
 */
const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomNonZeroHex(byteLength: number): string {
  for (;;) {
    if (poolOffset + byteLength > POOL_SIZE) {
      crypto.getRandomValues(pool);
      poolOffset = 0;
    }
    const start = poolOffset;
    poolOffset += byteLength;
    let out = "";
    let nonZero = false;
    for (let i = start; i < poolOffset; i++) {
      const byte = pool[i]!;
      if (byte !== 0) nonZero = true;
      out += hexByte(byte);
    }
    // An all-zero id is invalid; the chance is 2^-64 or less, but never emit one.
    if (nonZero) return out;
  }
}

/**
 * A new trace id: all 16 bytes random, so the W3C "random trace id" flag
 * (0x02) may be set for traces that start with it.
 */
export function randomTraceId(): string {
  return randomNonZeroHex(16);
}

/** A new span (parent) id: 8 random bytes, never all zero. */
export function randomSpanId(): string {
  return randomNonZeroHex(8);
}
