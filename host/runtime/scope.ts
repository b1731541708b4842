import {
  type Context,
  type HrTime,
  INVALID_SPANID,
  INVALID_TRACEID,
  context as otelContext,
  type SpanContext,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import type { HostClock } from "../clock/clock.js";
import type { SandprobeError } from "../errors.js";
import { SpanTable } from "../otel/span-table.js";
import { tailRequestOf } from "../otel/tail-request.js";
import { randomSpanId, randomTraceId } from "../otel/tracecontext/ids.js";
import type { HookName } from "../world/manifest.js";
import type { RequestView } from "./host/core/context.js";
import type { Probe } from "./probe.js";

const NO_FAILURES: readonly ProbeFailure[] = Object.freeze([]);

/** What a request's scope reads from its parent context, once. */
interface ParentFields {
  readonly traceId: string;
  readonly spanId: string;
  traceFlags: number;
  readonly tracestate: string;
}

/** A header lookup: the web `Headers` object fits, and so does any `{ get }`. */
export interface HeaderLookup {
  get(name: string): string | null | undefined;
}

/** What an adapter tells the runtime about one request. */
export interface RequestInfo {
  readonly method?: string;
  /** The matched route template, e.g. "/users/:id". */
  readonly route?: string;
  readonly headers?: HeaderLookup;
  /** When the request arrived, on the runtime's monotonic clock (defaults to now). */
  readonly receivedAtNs?: number;
  /** Parent of the probes' top-level spans (defaults to the active context). */
  readonly parent?: Context;
}

/** What happened to one probe hook call. */
export interface ProbeFailure {
  readonly probe: string;
  readonly hook: HookName;
  readonly error: SandprobeError;
}

/**
 * One request's journey through the loaded probes: `request()` when it
 * arrives, `response(status)` when the answer is ready, `end()` once done.
 * None of these throw: probe failures are collected in `failures`.
 */
export class RequestScope implements RequestView {
  parent: Context;
  readonly method: string;
  readonly route: string;
  status = 0;
  readonly receivedAtNs: number;
  /** The last sampling decision a probe made (undefined: none). */
  sampled: boolean | undefined;
  /** Failed hook calls of this request (a shared empty list until the first failure). */
  failures: readonly ProbeFailure[] = NO_FAILURES;
  private readonly probes: readonly Probe[];
  /** One span table per probe, made when its first hook runs. */
  private readonly tables: (SpanTable | undefined)[];
  private readonly headers: HeaderLookup | undefined;
  private fields: ParentFields | undefined;
  private readonly clock: HostClock;
  private ended = false;

  constructor(probes: readonly Probe[], info: RequestInfo, clock: HostClock) {
    this.probes = probes;
    this.tables = new Array(probes.length);
    this.clock = clock;
    this.parent = info.parent ?? otelContext.active();
    this.method = info.method ?? "";
    this.route = info.route ?? "";
    this.headers = info.headers;
    this.receivedAtNs = info.receivedAtNs ?? clock.nowNs();
  }

  /** The parent's trace id (32 hex digits), or "" without a valid parent. */
  get traceId(): string {
    return this.parentFields().traceId;
  }

  /** The parent's span id (16 hex digits), or "" without a valid parent. */
  get spanId(): string {
    return this.parentFields().spanId;
  }

  /** The parent's trace flags, with the sampling decision a probe made (0 without a valid parent). */
  get traceFlags(): number {
    return this.parentFields().traceFlags;
  }

  /** The parent's W3C tracestate, serialized ("" when it has none). */
  get tracestate(): string {
    return this.parentFields().tracestate;
  }

  /**
   * The parent's W3C fields, read from the context the first time a probe or
   * a log asks: most requests never do (~10 ns a request otherwise), and
   * NoopTracer and the SDK read the parent themselves when a span starts.
   */
  private parentFields(): ParentFields {
    if (this.fields !== undefined) return this.fields;
    const spanContext = trace.getSpanContext(this.parent);
    // The API already validated these ids; a length check avoids its regexes on the hot path.
    const valid =
      spanContext !== undefined &&
      spanContext.traceId.length === 32 &&
      spanContext.traceId !== INVALID_TRACEID &&
      spanContext.spanId.length === 16 &&
      spanContext.spanId !== INVALID_SPANID;
    this.fields = valid
      ? {
          traceId: spanContext.traceId,
          spanId: spanContext.spanId,
          traceFlags: spanContext.traceFlags,
          tracestate: spanContext.traceState?.serialize() ?? "",
        }
      : { traceId: "", spanId: "", traceFlags: 0, tracestate: "" };
    return this.fields;
  }

  header(lowerCaseName: string): string | undefined {
    return this.headers?.get(lowerCaseName) ?? undefined;
  }

  /**
   * A probe decided to keep or drop this request's trace. The decision rides
   * on the sampled flag of the parent context, so OpenTelemetry's own
   * parent-based sampler honours it for every span started afterwards.
   */
  sample(keep: boolean): void {
    this.sampled = keep;
    // Read before the parent changes below: the fields are those of the request's own parent.
    const fields = this.parentFields();
    fields.traceFlags = keep ? fields.traceFlags | TraceFlags.SAMPLED : fields.traceFlags & ~TraceFlags.SAMPLED;
    const current = trace.getSpanContext(this.parent);
    if (current && trace.isSpanContextValid(current)) {
      const updated: SpanContext = { ...current, traceFlags: fields.traceFlags };
      this.parent = trace.setSpanContext(this.parent, updated);
    } else if (!keep) {
      // No parent to carry the flag: an unsampled stand-in parent makes the
      // sampler drop the request's spans, which are then never exported, so
      // the stand-in's ids never appear anywhere.
      this.parent = trace.setSpanContext(this.parent, {
        traceId: randomTraceId(),
        spanId: randomSpanId(),
        traceFlags: TraceFlags.NONE,
        isRemote: true,
      });
    }
  }

  private dispatch(hook: HookName): void {
    for (let i = 0; i < this.probes.length; i++) {
      const probe = this.probes[i] as Probe;
      if (!probe.handles(hook)) continue;
      let table = this.tables[i];
      if (table === undefined) {
        table = new SpanTable();
        this.tables[i] = table;
      }
      const error = probe.invoke(hook, this, table);
      if (error) this.failures = [...this.failures, { probe: probe.name, hook, error }];
    }
  }

  /** Run every probe's `request` hook. */
  request(): void {
    if (!this.ended) this.dispatch("request");
  }

  /** Run every probe's `response` hook with the response status. */
  response(status: number): void {
    if (this.ended) return;
    this.status = status;
    this.dispatch("response");
  }

  /** End the request: spans a probe left open are ended now and counted. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.endSpans();
    // Tail sampling: the request is over, its buffered spans are kept or dropped as one.
    tailRequestOf(this.parent)?.decide({ keep: this.sampled, route: this.route });
  }

  private endSpans(): void {
    let now: HrTime | undefined;
    for (let i = 0; i < this.tables.length; i++) {
      const table = this.tables[i];
      // Reading the clock costs more than the rest of a request: only when a span was left open.
      if (table === undefined || table.openSpans === 0) continue;
      now ??= this.clock.toEpoch(this.clock.nowNs());
      (this.probes[i] as Probe).stats.spansUnended += table.endAll(now);
    }
  }
}
