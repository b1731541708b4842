/**
 * The `tracestate` header of W3C Trace Context Level 2: up to 32 vendor
 * `key=value` members, left-most most recent.
 *
 * Incoming headers are validated whole: a member that breaks the key or value
 * grammar, or more than 32 members, discards the entire header (unlike
 * `@opentelemetry/core`, which silently truncates to 32). Empty members and
 * optional whitespace are accepted. A repeated key keeps its first (left-most,
 * most recent) value and drops the later ones, which the spec allows and the
 * W3C test suite expects. Nothing here throws.
 */
import type { TraceState } from "@opentelemetry/api";

/** At most this many list members; more in an incoming header discards it. */
export const TRACESTATE_MAX_MEMBERS = 32;
/** Keys and values are at most 256 characters each. */
export const TRACESTATE_MAX_KEY_LENGTH = 256;
export const TRACESTATE_MAX_VALUE_LENGTH = 256;
/** The combined length vendors SHOULD propagate at least; also our default cut. */
export const TRACESTATE_PROPAGATION_LIMIT = 512;
/** When truncating, members longer than this are removed first. */
export const TRACESTATE_LONG_MEMBER = 128;
/**
 * A combined header longer than this is refused before parsing: 32 maximal
 * members are about 16.4 K characters, so only padding or abuse gets here.
 */
export const MAX_TRACESTATE_INPUT = 32 * 1024;

/** Why an incoming `tracestate` was discarded. */
export type TraceStateRejection = "empty" | "too-long" | "too-many-members" | "invalid-member" | "not-a-string";

export type TraceStateParse =
  | { readonly state: W3CTraceState; readonly duplicatesDropped: number }
  | { readonly state: undefined; readonly reason: TraceStateRejection };

function isLcAlphaOrDigit(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39);
}

function isKeyChar(code: number): boolean {
  // lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
  return isLcAlphaOrDigit(code) || code === 0x5f || code === 0x2d || code === 0x2a || code === 0x2f || code === 0x40;
}

/**
 * `key = ( lcalpha / DIGIT ) 0*255 ( keychar )`: Level 2 folds the Level 1
 * multi-tenant form `tenant@system` into this one rule ('@' is a keychar),
 * so `tenant@system`, `foo@` and `a@b@c` are valid and `@foo` is not.
 */
export function isValidTraceStateKey(key: unknown): key is string {
  return typeof key === "string" && isKeyRange(key, 0, key.length);
}

function isKeyRange(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length === 0 || length > TRACESTATE_MAX_KEY_LENGTH) return false;
  if (!isLcAlphaOrDigit(text.charCodeAt(start))) return false;
  for (let i = start + 1; i < end; i++) {
    if (!isKeyChar(text.charCodeAt(i))) return false;
  }
  return true;
}

/**
 * `value = 0*255(chr) nblk-chr`: 1 to 256 printable ASCII characters other
 * than ',' and '=', not ending in a space (leading spaces are part of it).
 */
export function isValidTraceStateValue(value: unknown): value is string {
  return typeof value === "string" && isValueRange(value, 0, value.length);
}

function isValueRange(text: string, start: number, end: number): boolean {
  const length = end - start;
  if (length === 0 || length > TRACESTATE_MAX_VALUE_LENGTH) return false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x2c || code === 0x3d) return false;
  }
  return text.charCodeAt(end - 1) !== 0x20;
}

type Entry = readonly [key: string, value: string];

/** Entries already validated, unique, at most 32 (set in the class's static block). */
let fromValidated: (entries: readonly Entry[]) => W3CTraceState;

function memberLength(entry: Entry): number {
  return entry[0].length + 1 + entry[1].length;
}

/**
 * Parses a combined `tracestate` value (several header lines already joined
 * with ','). See the module comment for the rules.
 */
export function parseTraceStateHeader(value: unknown): TraceStateParse {
  if (typeof value !== "string") return { state: undefined, reason: "not-a-string" };
  if (value.length > MAX_TRACESTATE_INPUT) return { state: undefined, reason: "too-long" };
  const entries: Entry[] = [];
  let members = 0;
  let duplicatesDropped = 0;
  // One pass over the string, no intermediate arrays: this runs on every request.
  for (let start = 0; start <= value.length; ) {
    let end = value.indexOf(",", start);
    if (end < 0) end = value.length;
    let first = start;
    let last = end;
    while (first < last && isOws(value.charCodeAt(first))) first++;
    while (last > first && isOws(value.charCodeAt(last - 1))) last--;
    start = end + 1;
    if (first === last) continue;
    if (++members > TRACESTATE_MAX_MEMBERS) return { state: undefined, reason: "too-many-members" };
    const eq = value.indexOf("=", first);
    if (eq < 0 || eq >= last || !isKeyRange(value, first, eq) || !isValueRange(value, eq + 1, last)) {
      return { state: undefined, reason: "invalid-member" };
    }
    const key = value.slice(first, eq);
    if (entries.some((entry) => entry[0] === key)) {
      duplicatesDropped++;
      continue;
    }
    entries.push([key, value.slice(eq + 1, last)]);
  }
  if (entries.length === 0) return { state: undefined, reason: "empty" };
  return { state: fromValidated(entries), duplicatesDropped };
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * An immutable `tracestate` list implementing `@opentelemetry/api`'s
 * `TraceState`, so it can sit in a `SpanContext` handed to
 * `trace.setSpanContext` and come back from any SDK unchanged.
 */
export class W3CTraceState implements TraceState {
  static readonly EMPTY: W3CTraceState = new W3CTraceState([]);

  readonly #entries: readonly Entry[];

  private constructor(entries: readonly Entry[]) {
    this.#entries = entries;
  }

  static {
    fromValidated = (entries) => new W3CTraceState(entries);
  }

  /** Parses an incoming header; `undefined` when it is discarded or empty. */
  static parse(header: unknown): W3CTraceState | undefined {
    return parseTraceStateHeader(header).state;
  }

  /**
   * Builds a state from `[key, value]` pairs, left-most first. `undefined`
   * when a pair is invalid, a key repeats or there are more than 32 pairs.
   */
  static from(entries: Iterable<readonly [string, string]>): W3CTraceState | undefined {
    const list: Entry[] = [];
    const seen = new Set<string>();
    for (const [key, value] of entries) {
      if (!isValidTraceStateKey(key) || !isValidTraceStateValue(value) || seen.has(key)) return undefined;
      seen.add(key);
      list.push([key, value]);
      if (list.length > TRACESTATE_MAX_MEMBERS) return undefined;
    }
    return new W3CTraceState(list);
  }

  /**
   * Any `TraceState` (for example `@opentelemetry/core`'s) re-read under our
   * rules; `undefined` when its serialization would not be a valid header.
   */
  static of(traceState: { serialize(): string } | null | undefined): W3CTraceState | undefined {
    if (traceState === undefined || traceState === null) return undefined;
    if (traceState instanceof W3CTraceState) return traceState;
    try {
      return W3CTraceState.parse(traceState.serialize());
    } catch {
      return undefined;
    }
  }

  get size(): number {
    return this.#entries.length;
  }

  get(key: string): string | undefined {
    for (const [k, v] of this.#entries) if (k === key) return v;
    return undefined;
  }

  /** The `[key, value]` pairs, left-most first. */
  entries(): Array<[string, string]> {
    return this.#entries.map(([k, v]) => [k, v]);
  }

  /**
   * Adds or updates `key` and moves it to the front, as a vendor does for its
   * own entry. If that makes 33 members, the right-most one goes. An invalid
   * key or value leaves the state unchanged (the `TraceState` contract has no
   * error channel; check with `isValidTraceStateKey` / `isValidTraceStateValue`).
   */
  set(key: string, value: string): W3CTraceState {
    if (!isValidTraceStateKey(key) || !isValidTraceStateValue(value)) return this;
    const next: Entry[] = [[key, value]];
    for (const entry of this.#entries) {
      if (entry[0] !== key) next.push(entry);
    }
    if (next.length > TRACESTATE_MAX_MEMBERS) next.length = TRACESTATE_MAX_MEMBERS;
    return new W3CTraceState(next);
  }

  /** Removes `key`; the order of the others is kept. */
  unset(key: string): W3CTraceState {
    const index = this.#entries.findIndex((entry) => entry[0] === key);
    if (index < 0) return this;
    return new W3CTraceState(this.#entries.filter((_, i) => i !== index));
  }

  /** Length of `serialize()` without building it. */
  get serializedLength(): number {
    let length = Math.max(0, this.#entries.length - 1);
    for (const entry of this.#entries) length += memberLength(entry);
    return length;
  }

  /**
   * Cuts whole members until the serialized form fits `maxLength` (default
   * 512): members longer than 128 characters go first (right-most first),
   * then members from the right end, as the spec's truncation rule says.
   */
  truncate(maxLength: number = TRACESTATE_PROPAGATION_LIMIT): W3CTraceState {
    let length = this.serializedLength;
    if (length <= maxLength) return this;
    const entries = [...this.#entries];
    while (length > maxLength && entries.length > 0) {
      let index = -1;
      for (let i = entries.length - 1; i >= 0; i--) {
        if (memberLength(entries[i]!) > TRACESTATE_LONG_MEMBER) {
          index = i;
          break;
        }
      }
      if (index < 0) index = entries.length - 1;
      const [removed] = entries.splice(index, 1);
      length -= memberLength(removed!) + (entries.length > 0 ? 1 : 0);
    }
    return new W3CTraceState(entries);
  }

  /** `key=value` members joined with ',' (no optional whitespace). */
  serialize(): string {
    let out = "";
    for (const [key, value] of this.#entries) {
      if (out.length > 0) out += ",";
      out += key + "=" + value;
    }
    return out;
  }

  toString(): string {
    return this.serialize();
  }
}
