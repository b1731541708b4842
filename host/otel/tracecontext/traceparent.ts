/**
 * The `traceparent` header of W3C Trace Context Level 2:
 * `version "-" trace-id "-" parent-id "-" trace-flags`, all lower-case hex.
 *
 * Parsing never throws: anything that is not a valid header gives `undefined`,
 * which by the spec means "restart the trace" (and ignore `tracestate`).
 */
import { hexByte } from "../../wasm/bytes.js";
import {
  hexByteAt,
  isLowerHexRange,
  isValidSpanId,
  isValidTraceId,
  isZeroRange,
  SPAN_ID_HEX_LENGTH,
  TRACE_ID_HEX_LENGTH,
} from "./ids.js";

/** The sampled flag: the caller may have recorded trace data. */
export const TRACE_FLAG_SAMPLED = 0x01;
/** The random trace id flag (Level 2): at least the right-most 7 bytes of the trace id are random. */
export const TRACE_FLAG_RANDOM = 0x02;
/**
 * Flags defined by Level 2. Only these are read or written: "the behavior of
 * other flags ... is not defined ... Vendors MUST set those to zero".
 */
export const KNOWN_TRACE_FLAGS = TRACE_FLAG_SAMPLED | TRACE_FLAG_RANDOM;

/** The only version this implementation writes. */
export const TRACEPARENT_VERSION = 0;
/** Length of a version-00 header: 2 + 1 + 32 + 1 + 16 + 1 + 2. */
export const TRACEPARENT_LENGTH = 55;

/**
 * Future versions may grow the header; a pass-through should still refuse
 * "prohibitively large" ones. 4 KiB is far above anything plausible.
 */
export const MAX_TRACEPARENT_INPUT = 4096;

const DASH = 0x2d;
const TRACE_ID_AT = 3;
const SPAN_ID_AT = TRACE_ID_AT + TRACE_ID_HEX_LENGTH + 1; // 36
const FLAGS_AT = SPAN_ID_AT + SPAN_ID_HEX_LENGTH + 1; // 53

export interface Traceparent {
  /** The version the header was sent with (0..254). Formatting always writes 00. */
  readonly version: number;
  readonly traceId: string;
  /** The caller's span id (`parent-id` in the spec). */
  readonly spanId: string;
  /** The flags byte with only the Level 2 bits (sampled, random); undefined bits are zeroed. */
  readonly traceFlags: number;
}

/** Removes the optional whitespace (space, horizontal tab) HTTP allows around a field value. */
export function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Parses one `traceparent` field value.
 *
 * - Version 00: exactly 55 characters (after OWS), lower-case hex, ids not all zero.
 * - Version ff: invalid.
 * - Higher versions (01..fe): at least 55 characters; the trace id, parent id
 *   and flags are read at the version-00 positions, and anything after the
 *   flags must start with '-' (future fields are ignored).
 * - Flag bits the spec does not define are dropped, whatever the version.
 */
export function parseTraceparent(value: unknown): Traceparent | undefined {
  if (typeof value !== "string") return undefined;
  // Anything far longer than a header could be is refused before any work.
  if (value.length > MAX_TRACEPARENT_INPUT) return undefined;
  const text = trimOws(value);
  if (text.length < TRACEPARENT_LENGTH) return undefined;
  if (!isLowerHexRange(text, 0, 2) || text.charCodeAt(2) !== DASH) return undefined;
  const version = hexByteAt(text, 0);
  if (version === 0xff) return undefined;
  if (version === 0) {
    if (text.length !== TRACEPARENT_LENGTH) return undefined;
  } else if (text.length > TRACEPARENT_LENGTH && text.charCodeAt(TRACEPARENT_LENGTH) !== DASH) {
    return undefined;
  }
  if (!isLowerHexRange(text, TRACE_ID_AT, TRACE_ID_AT + TRACE_ID_HEX_LENGTH)) return undefined;
  if (text.charCodeAt(SPAN_ID_AT - 1) !== DASH) return undefined;
  if (!isLowerHexRange(text, SPAN_ID_AT, SPAN_ID_AT + SPAN_ID_HEX_LENGTH)) return undefined;
  if (text.charCodeAt(FLAGS_AT - 1) !== DASH) return undefined;
  if (!isLowerHexRange(text, FLAGS_AT, FLAGS_AT + 2)) return undefined;
  if (isZeroRange(text, TRACE_ID_AT, TRACE_ID_AT + TRACE_ID_HEX_LENGTH)) return undefined;
  if (isZeroRange(text, SPAN_ID_AT, SPAN_ID_AT + SPAN_ID_HEX_LENGTH)) return undefined;
  const flags = hexByteAt(text, FLAGS_AT);
  return {
    version,
    traceId: text.slice(TRACE_ID_AT, TRACE_ID_AT + TRACE_ID_HEX_LENGTH),
    spanId: text.slice(SPAN_ID_AT, SPAN_ID_AT + SPAN_ID_HEX_LENGTH),
    traceFlags: flags & KNOWN_TRACE_FLAGS,
  };
}

/** The fields needed to write a `traceparent`; an OpenTelemetry `SpanContext` fits. */
export interface TraceparentFields {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}

/** True when `flags` is a whole byte (0..255). */
export function isValidTraceFlags(flags: unknown): flags is number {
  return typeof flags === "number" && Number.isInteger(flags) && flags >= 0 && flags <= 0xff;
}

/**
 * Writes a version-00 `traceparent`. The sampled and random flags are kept,
 * undefined bits are zeroed (the spec requires it), as two hex digits.
 * Returns `undefined`, never throws, when the ids or flags are not valid, so
 * an adapter simply sends no header.
 */
export function formatTraceparent(fields: TraceparentFields): string | undefined {
  if (!isValidTraceId(fields.traceId) || !isValidSpanId(fields.spanId) || !isValidTraceFlags(fields.traceFlags)) {
    return undefined;
  }
  return `00-${fields.traceId}-${fields.spanId}-${hexByte(fields.traceFlags & KNOWN_TRACE_FLAGS)}`;
}

/** What a child may change while continuing the trace. */
export interface ChildOptions {
  /** Set or clear the sampled flag; ignored unless the parent id changes (the spec forbids it otherwise). */
  readonly sampled?: boolean;
}

/**
 * The `traceparent` for an outgoing request made by the operation `newSpanId`
 * within the trace of `parent`: same trace id, new parent id, same flags
 * (random flag included, as Level 2 requires), optionally a new sampled bit.
 */
export function childTraceparent(
  parent: TraceparentFields,
  newSpanId: string,
  options: ChildOptions = {},
): string | undefined {
  let traceFlags = parent.traceFlags;
  // "The parent-id field MUST be set to a new value with the sampled flag update."
  if (options.sampled !== undefined && newSpanId !== parent.spanId && isValidTraceFlags(traceFlags)) {
    traceFlags = options.sampled ? traceFlags | TRACE_FLAG_SAMPLED : traceFlags & ~TRACE_FLAG_SAMPLED;
  }
  return formatTraceparent({ traceId: parent.traceId, spanId: newSpanId, traceFlags });
}
