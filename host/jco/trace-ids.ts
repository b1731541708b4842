/** Conversions between W3C trace/span ids (lower-case hex) and the probe world's u64 halves. */

const HEX16 = /^[0-9a-f]{16}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const U64_MASK = (1n << 64n) - 1n;

export function isTraceIdHex(value: string): boolean {
  return HEX32.test(value) && value !== "0".repeat(32);
}

export function isSpanIdHex(value: string): boolean {
  return HEX16.test(value) && value !== "0".repeat(16);
}

/** A 16-hex-digit span id as a u64 (0 when it is not one). */
export function spanIdToU64(hex: string): bigint {
  return HEX16.test(hex) ? BigInt(`0x${hex}`) : 0n;
}

/** A 32-hex-digit trace id as its two big-endian u64 halves (0, 0 when it is not one). */
export function traceIdToU64s(hex: string): [hi: bigint, lo: bigint] {
  if (!HEX32.test(hex)) return [0n, 0n];
  return [BigInt(`0x${hex.slice(0, 16)}`), BigInt(`0x${hex.slice(16)}`)];
}

export function u64ToHex(value: bigint): string {
  return (value & U64_MASK).toString(16).padStart(16, "0");
}

export function u64sToTraceId(hi: bigint, lo: bigint): string {
  return u64ToHex(hi) + u64ToHex(lo);
}
