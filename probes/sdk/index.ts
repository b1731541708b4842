// The sandprobe probe SDK for AssemblyScript: typed wrappers over the imports
// of the probe world (wit/probe.wit). Build a probe together with
// `probes/sdk/exports.ts` (it exports `cabi_realloc`) and
// `--use abort=probes/sdk/index/probeAbort`; `npm run build` does both.
import {
  clock_now, clock_resolution, wall_now,
  trace_current_context, trace_tracestate, trace_start_span, trace_start_span_at,
  trace_set_attribute_string, trace_set_attribute_int, trace_set_attribute_float, trace_set_attribute_bool,
  trace_add_event, trace_set_status, trace_end_span, trace_end_span_at, trace_sample,
  trace_add_event_with_attribute, trace_add_link, metrics_counter_add, metrics_histogram_record,
  http_method, http_route, http_status, http_received_at, http_header,
  log_log, log_abort,
} from "./imports";

// One return area is enough: a probe runs one call at a time.
const RET: usize = memory.data(32, 8);

/**
 * Strings the host returns (request method, route, headers, tracestate) are
 * written by the host into memory `cabi_realloc` hands out (exports.ts).
 * Small ones go to this scratch buffer, reused call after call; `takeString`
 * then returns a string it handed out before when the text is the same (most
 * requests repeat a few methods and routes), so reading a request fact
 * usually allocates nothing in the guest.
 */
export const SCRATCH_BYTES: usize = 512;
const SCRATCH: usize = memory.data(<i32>SCRATCH_BYTES, 16);
let scratchInUse = false;

/** For cabi_realloc: the scratch buffer when `size` fits and it is free, else 0. */
export function takeScratch(size: usize): usize {
  if (scratchInUse || size > SCRATCH_BYTES) return 0;
  scratchInUse = true;
  return SCRATCH;
}

const RECENT = 8;
const recent: StaticArray<string> = ["", "", "", "", "", "", "", ""];
let recentNext = 0;

/**
 * Take a (ptr, len) string result the host wrote at `at`: a recent string
 * with the same text when it came through the scratch buffer, else a new
 * one; a larger result was allocated as a managed String of exactly its
 * size and is used in place (no copy, nothing to free).
 */
function takeString(at: usize): string {
  const ptr = load<u32>(at) as usize;
  if (ptr == 0) return "";
  if (ptr != SCRATCH) return changetype<string>(ptr);
  scratchInUse = false;
  const bytes = (load<u32>(at, 4) as usize) << 1;
  for (let i = 0; i < RECENT; i++) {
    const known = unchecked(recent[i]);
    if ((<usize>known.length << 1) == bytes && memory.compare(changetype<usize>(known), SCRATCH, bytes) == 0) {
      return known;
    }
  }
  const text = changetype<string>(__new(bytes, idof<String>()));
  memory.copy(changetype<usize>(text), SCRATCH, bytes);
  unchecked((recent[recentNext] = text));
  recentNext = (recentNext + 1) % RECENT;
  return text;
}

@inline function strPtr(s: string): usize { return changetype<usize>(s); }
@inline function strLen(s: string): usize { return <usize>s.length; }

/** The monotonic clock (wasi:clocks/monotonic-clock), in nanoseconds. */
export namespace clock {
  export function now(): u64 { return clock_now(); }
  export function resolution(): u64 { return clock_resolution(); }
  /** Wall-clock time (wasi:clocks/wall-clock) in nanoseconds since the Unix epoch. */
  export function wallNanos(): u64 {
    wall_now(RET);
    return load<u64>(RET) * 1_000_000_000 + <u64>load<u32>(RET, 8);
  }
}

export enum SpanKind { Internal = 0, Server = 1, Client = 2, Producer = 3, Consumer = 4 }
export enum StatusCode { Unset = 0, Ok = 1, Error = 2 }

/** The W3C trace context of the current request. */
export class SpanContext {
  constructor(
    public traceIdHi: u64,
    public traceIdLo: u64,
    public spanId: u64,
    public traceFlags: u8,
  ) {}
  get isValid(): bool { return (this.traceIdHi | this.traceIdLo) != 0 && this.spanId != 0; }
  get sampled(): bool { return (this.traceFlags & 1) != 0; }
}

/**
 * A span owned by the host; the probe only holds its handle. A Span IS its
 * handle (an unmanaged reference whose value is the handle), so starting a
 * span allocates nothing in the guest; `null` is handle 0, "no span".
 */
@final @unmanaged
export class Span {
  /** The host's handle for this span (0: the host refused to start it). */
  get handle(): u32 { return <u32>changetype<usize>(this); }

  /** The Span for a handle the host returned. */
  @inline static of(handle: u32): Span { return changetype<Span>(<usize>handle); }

  /** Start a span now, as a child of `parent` or of the request's context. */
  static start(name: string, kind: SpanKind = SpanKind.Internal, parent: Span | null = null): Span {
    return Span.of(trace_start_span(strPtr(name), strLen(name), kind, <u32>changetype<usize>(parent)));
  }

  /** Start a span at a monotonic-clock instant (nanoseconds). */
  static startAt(name: string, start: u64, kind: SpanKind = SpanKind.Internal, parent: Span | null = null): Span {
    return Span.of(trace_start_span_at(strPtr(name), strLen(name), kind, <u32>changetype<usize>(parent), start));
  }

  setString(key: string, value: string): Span {
    trace_set_attribute_string(this.handle, strPtr(key), strLen(key), strPtr(value), strLen(value));
    return this;
  }
  setInt(key: string, value: i64): Span {
    trace_set_attribute_int(this.handle, strPtr(key), strLen(key), value);
    return this;
  }
  setFloat(key: string, value: f64): Span {
    trace_set_attribute_float(this.handle, strPtr(key), strLen(key), value);
    return this;
  }
  setBool(key: string, value: bool): Span {
    trace_set_attribute_bool(this.handle, strPtr(key), strLen(key), value ? 1 : 0);
    return this;
  }
  addEvent(name: string): Span {
    trace_add_event(this.handle, strPtr(name), strLen(name));
    return this;
  }
  /** Add an event with one string attribute, e.g. ("exception", "exception.message", text). */
  addEventWith(name: string, key: string, value: string): Span {
    trace_add_event_with_attribute(this.handle, strPtr(name), strLen(name), strPtr(key), strLen(key), strPtr(value), strLen(value));
    return this;
  }
  /** Link this span to another span context (ignored by the host when that context is invalid). */
  addLink(to: SpanContext): Span {
    trace_add_link(this.handle, to.traceIdHi, to.traceIdLo, to.spanId, to.traceFlags);
    return this;
  }
  setStatus(code: StatusCode, message: string = ""): Span {
    trace_set_status(this.handle, code, strPtr(message), strLen(message));
    return this;
  }
  /** End the span now (cheaper than `endAt(clock.now())`: no 64-bit values cross). */
  end(): void { trace_end_span(this.handle); }
  endAt(end: u64): void { trace_end_span_at(this.handle, end); }
}

/** The current request's trace context and sampling. */
export namespace trace {
  export function currentContext(): SpanContext {
    trace_current_context(RET);
    return new SpanContext(load<u64>(RET), load<u64>(RET, 8), load<u64>(RET, 16), load<u8>(RET, 24));
  }
  export function tracestate(): string {
    trace_tracestate(RET);
    return takeString(RET);
  }
  /** Keep (true) or drop (false) the current request's trace. */
  export function sample(keep: bool): void { trace_sample(keep ? 1 : 0); }
}

/** Facts about the current HTTP request (each needs a manifest capability). */
export namespace http {
  export function method(): string { http_method(RET); return takeString(RET); }
  export function route(): string { http_route(RET); return takeString(RET); }
  export function status(): u16 { return <u16>http_status(); }
  export function receivedAt(): u64 { return http_received_at(); }
  /** A request header, or null when absent. */
  export function header(name: string): string | null {
    http_header(strPtr(name), strLen(name), RET);
    if (load<u8>(RET) == 0) return null;
    return takeString(RET + 4);
  }
}

/**
 * Counters and histograms, exported by the host through OpenTelemetry
 * metrics. One optional attribute per call; the host caps the distinct
 * (name, attribute) series a probe may create and drops the rest.
 */
export namespace metrics {
  /** Add a non-negative amount to a counter. */
  export function add(name: string, value: f64, key: string = "", attrValue: string = ""): void {
    metrics_counter_add(strPtr(name), strLen(name), value, strPtr(key), strLen(key), strPtr(attrValue), strLen(attrValue));
  }
  /** Record a value in a histogram. */
  export function record(name: string, value: f64, key: string = "", attrValue: string = ""): void {
    metrics_histogram_record(strPtr(name), strLen(name), value, strPtr(key), strLen(key), strPtr(attrValue), strLen(attrValue));
  }
}

/** Capped log output. */
export namespace log {
  export function debug(message: string): void { log_log(1, strPtr(message), strLen(message)); }
  export function info(message: string): void { log_log(2, strPtr(message), strLen(message)); }
  export function warn(message: string): void { log_log(3, strPtr(message), strLen(message)); }
  export function error(message: string): void { log_log(4, strPtr(message), strLen(message)); }
}

/** Replaces AssemblyScript's `env.abort`: tell the host why, then trap. */
export function probeAbort(message: string | null, file: string | null, line: u32, column: u32): void {
  const m = message ? message : "";
  const f = file ? file : "";
  log_abort(strPtr(m), strLen(m), strPtr(f), strLen(f), line, column);
  unreachable();
}
