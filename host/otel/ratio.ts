/**
 * TraceID-ratio sampling, decision for decision the same as OpenTelemetry's
 * `TraceIdRatioBasedSampler`: the trace id's four 32-bit words XOR-ed
 * together, kept when below `floor(ratio * 0xffffffff)` (everything at
 * ratio 1, nothing at ratio 0 or for an invalid trace id). The same trace id
 * gives the same decision in every process, so a trace is kept or dropped
 * whole across services sampling at the same ratio.
 */

/** Clamp a ratio to [0, 1]; NaN and non-numbers become 0, as OpenTelemetry does. */
export function normalizeRatio(ratio: unknown): number {
  if (typeof ratio !== "number" || Number.isNaN(ratio)) return 0;
  return ratio >= 1 ? 1 : ratio <= 0 ? 0 : ratio;
}

/** The exclusive upper bound a trace id's hash is compared with. */
export function ratioUpperBound(ratio: number): number {
  const r = normalizeRatio(ratio);
  return r === 1 ? 0x1_0000_0000 : Math.floor(r * 0xffffffff);
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/**
 * XOR of the trace id's four big-endian 32-bit words, or -1 when the trace
 * id is not 32 hex digits or is all zero (an invalid W3C trace id).
 */
export function traceIdHash(traceId: string): number {
  if (traceId.length !== 32) return -1;
  let hash = 0;
  let nonZero = false;
  for (let word = 0; word < 32; word += 8) {
    let part = 0;
    for (let i = word; i < word + 8; i++) {
      const v = hexValue(traceId.charCodeAt(i));
      if (v < 0) return -1;
      part = ((part << 4) | v) >>> 0;
    }
    if (part !== 0) nonZero = true;
    hash = (hash ^ part) >>> 0;
  }
  return nonZero ? hash : -1;
}

/** Whether a trace is kept at `ratio`; precompute `ratioUpperBound` on hot paths. */
export function keepByRatio(traceId: string, upperBound: number): boolean {
  const hash = traceIdHash(traceId);
  return hash >= 0 && hash < upperBound;
}
