/**
 * W3C trace and span ids (lower-case hex) as the probe world's u64 values:
 * a trace id is two big-endian u64 halves, a span id one u64.
 */

const HEX16 = /^[0-9a-f]{16}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const U64_MASK = (1n << 64n) - 1n;

/** A 16-hex-digit span id as a u64 (0 when it is not one). */
export function spanIdToU64(hex: string): bigint {
  return HEX16.test(hex) ? BigInt(`0x${hex}`) : 0n;
}

/** A 32-hex-digit trace id as its two big-endian u64 halves (0, 0 when it is not one). */
export function traceIdToU64s(hex: string): [hi: bigint, lo: bigint] {
  if (!HEX32.test(hex)) return [0n, 0n];
  return [BigInt(`0x${hex.slice(0, 16)}`), BigInt(`0x${hex.slice(16)}`)];
}

/** A u64 (its low 64 bits, so a signed i64 reads as unsigned) as 16 hex digits. */
export function u64ToHex(value: bigint): string {
  return (value & U64_MASK).toString(16).padStart(16, "0");
}
