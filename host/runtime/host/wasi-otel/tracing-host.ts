import {
  type Attributes,
  type AttributeValue,
  type Context,
  createTraceState,
  type HrTime,
  type Link,
  ROOT_CONTEXT,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import {
  type Datetime,
  type KeyValue,
  type OtelSpanContext,
  type OtelSpanKind,
  type SpanData,
  WASI_OTEL_TRACING,
  WASI_OTEL_TYPES,
  type WasiOtelTracing,
} from "../../../world/wasi-otel.js";
import type { DropReason } from "../../stats.js";

/** Caps on what one invocation of a wasi:otel guest may hand over. */
export interface OtelTracingLimits {
  readonly spansPerInvocation: number;
  readonly attributesPerSpan: number;
  readonly eventsPerSpan: number;
  readonly linksPerSpan: number;
  /** Longest name, key or value, in UTF-16 code units; longer ones are cut. */
  readonly maxStringUnits: number;
  /** Spans started (on-start) or waiting for their parent, at most. */
  readonly openSpans: number;
}

export const DEFAULT_OTEL_LIMITS: OtelTracingLimits = {
  spansPerInvocation: 128,
  attributesPerSpan: 64,
  eventsPerSpan: 32,
  linksPerSpan: 16,
  maxStringUnits: 4096,
  openSpans: 256,
};

/** What the wasi:otel host drops: the host's own drop reasons (runtime/stats.ts). */
export type OtelDropReason = Extract<
  DropReason,
  "invalid-span" | "span-quota" | "attribute-quota" | "event-quota" | "link-quota" | "open-quota" | "string-truncated"
>;

export interface OtelInvocationSummary {
  /** Spans created through @opentelemetry/api. */
  readonly forwarded: number;
  /** Spans whose parent was started but never ended: forwarded at the end, under a remote parent. */
  readonly orphans: number;
  readonly drops: Readonly<Partial<Record<OtelDropReason, number>>>;
}

export interface OtelTracingHostOptions {
  /** Guest spans are created with the tracer of their instrumentation scope. */
  readonly tracerProvider: TracerProvider;
  readonly limits?: Partial<OtelTracingLimits>;
}

/** A host implementation of wasi:otel/tracing for the jco path. */
export interface OtelTracingHost {
  readonly tracing: WasiOtelTracing;
  /** Import object entries (versioned and unversioned keys) for a transpiled component. */
  readonly imports: Record<string, object>;
  /** Start an invocation: `parent` is what current-span-context reports and what top-level guest spans hang from. */
  begin(parent?: Context): void;
  /** End the invocation: forward orphans, report. */
  end(): OtelInvocationSummary;
}

const KINDS: Record<OtelSpanKind, SpanKind> = {
  client: SpanKind.CLIENT,
  server: SpanKind.SERVER,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
};

const HEX16 = /^[0-9a-f]{16}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const validSpanId = (id: string) => HEX16.test(id) && id !== "0000000000000000";
const validTraceId = (id: string) => HEX32.test(id) && id !== "00000000000000000000000000000000";

const toHrTime = (time: Datetime): HrTime => [Number(time.seconds), time.nanoseconds >>> 0];

function isPrimitive(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/**
 * A wasi:otel attribute value is an OpenTelemetry AnyValue as JSON. Strings,
 * numbers, booleans and homogeneous arrays of them map to attribute values;
 * maps, mixed arrays, null, byte arrays (a data: URI string) and text that is
 * not JSON are kept as the string the guest sent.
 */
export function decodeAnyValue(json: string): AttributeValue {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return json;
  }
  if (isPrimitive(value)) return value;
  if (Array.isArray(value)) {
    if (value.length === 0) return [] as string[];
    const type = typeof value[0];
    if (isPrimitive(value[0]) && value.every((v) => typeof v === type)) return value as AttributeValue;
  }
  return json;
}

function newState() {
  return {
    forwarded: 0,
    orphans: 0,
    drops: {} as Partial<Record<OtelDropReason, number>>,
    /** Guest span ids announced by on-start and not ended yet. */
    open: new Set<string>(),
    /** Guest span id -> the host span forwarded for it. */
    forwardedSpans: new Map<string, SpanContext>(),
    /** Guest parent span id -> ended children waiting for it. */
    waiting: new Map<string, SpanData[]>(),
    waitingCount: 0,
  };
}

/**
 * wasi:otel/tracing forwarded to @opentelemetry/api. The guest builds whole
 * span records; the host re-creates each one when it ends, with the guest's
 * name, kind, times, attributes, events, links and status, under the tracer
 * of the guest's instrumentation scope. The API cannot take span ids from
 * outside, so host spans get new ids; the tree is kept by mapping guest ids:
 * a child that ends before its parent waits for it, and a span whose parent
 * is the host's context (current-span-context) hangs from that context.
 */
export function createOtelTracingHost(options: OtelTracingHostOptions): OtelTracingHost {
  const limits = { ...DEFAULT_OTEL_LIMITS, ...options.limits };
  let parent: Context = ROOT_CONTEXT;
  let state = newState();

  const drop = (reason: OtelDropReason, count = 1) => {
    state.drops[reason] = (state.drops[reason] ?? 0) + count;
  };
  const cap = (text: string): string => {
    if (text.length <= limits.maxStringUnits) return text;
    drop("string-truncated");
    return text.slice(0, limits.maxStringUnits);
  };
  const attributes = (list: readonly KeyValue[], max: number): Attributes => {
    const out: Attributes = {};
    if (list.length > max) drop("attribute-quota", list.length - max);
    for (const { key, value } of list.slice(0, max)) out[cap(key)] = decodeAnyValue(cap(value));
    return out;
  };
  const traceStateOf = (pairs: readonly [string, string][]) =>
    pairs.length > 0 ? createTraceState(pairs.map(([k, v]) => `${k}=${v}`).join(",")) : undefined;
  const remoteContext = (traceId: string, spanId: string, sampled: boolean): Context =>
    trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: sampled ? 1 : 0, isRemote: true });

  /** Where a guest span hangs: a forwarded guest span, the host's context, a remote parent, or nothing. */
  const parentFor = (data: SpanData): Context | "wait" => {
    const parentId = data.parentSpanId;
    if (!validSpanId(parentId)) return ROOT_CONTEXT;
    const forwarded = state.forwardedSpans.get(parentId);
    if (forwarded) return trace.setSpanContext(ROOT_CONTEXT, forwarded);
    if (state.open.has(parentId)) return "wait";
    const host = trace.getSpanContext(parent);
    if (host && host.spanId === parentId && host.traceId === data.spanContext.traceId) return parent;
    return remoteContext(data.spanContext.traceId, parentId, data.spanContext.traceFlags.sampled === true);
  };

  const forward = (data: SpanData, parentContext: Context): void => {
    const scope = data.instrumentationScope;
    const tracer = options.tracerProvider.getTracer(
      cap(scope.name),
      scope.version,
      scope.schemaUrl ? { schemaUrl: scope.schemaUrl } : undefined,
    );
    if (data.links.length > limits.linksPerSpan) drop("link-quota", data.links.length - limits.linksPerSpan);
    const links: Link[] = [];
    for (const link of data.links.slice(0, limits.linksPerSpan)) {
      const context = link.spanContext;
      if (!validTraceId(context.traceId) || !validSpanId(context.spanId)) {
        drop("invalid-span");
        continue;
      }
      const traceState = traceStateOf(context.traceState);
      links.push({
        context: {
          traceId: context.traceId,
          spanId: context.spanId,
          traceFlags: context.traceFlags.sampled ? 1 : 0,
          isRemote: context.isRemote,
          ...(traceState ? { traceState } : {}),
        },
        attributes: attributes(link.attributes, limits.attributesPerSpan),
      });
    }
    const span = tracer.startSpan(
      cap(data.name),
      {
        kind: KINDS[data.spanKind] ?? SpanKind.INTERNAL,
        startTime: toHrTime(data.startTime),
        attributes: attributes(data.attributes, limits.attributesPerSpan),
        links,
      },
      parentContext,
    );
    if (data.events.length > limits.eventsPerSpan) drop("event-quota", data.events.length - limits.eventsPerSpan);
    for (const event of data.events.slice(0, limits.eventsPerSpan)) {
      span.addEvent(cap(event.name), attributes(event.attributes, limits.attributesPerSpan), toHrTime(event.time));
    }
    const status = data.status;
    if (status.tag === "ok") span.setStatus({ code: SpanStatusCode.OK });
    else if (status.tag === "error") span.setStatus({ code: SpanStatusCode.ERROR, message: cap(status.val) });
    span.end(toHrTime(data.endTime));
    state.forwarded++;
    state.forwardedSpans.set(data.spanContext.spanId, span.spanContext());
  };

  /** Forward a span, then every child that was waiting for it, breadth first. */
  const forwardTree = (data: SpanData, parentContext: Context): void => {
    const queue: [SpanData, Context][] = [[data, parentContext]];
    for (let item = queue.shift(); item; item = queue.shift()) {
      const [span, context] = item;
      forward(span, context);
      const id = span.spanContext.spanId;
      const children = state.waiting.get(id);
      if (!children) continue;
      state.waiting.delete(id);
      state.waitingCount -= children.length;
      const host = state.forwardedSpans.get(id) as SpanContext;
      for (const child of children) queue.push([child, trace.setSpanContext(ROOT_CONTEXT, host)]);
    }
  };

  const toOtelContext = (): OtelSpanContext => {
    const context = trace.getSpanContext(parent);
    if (!context || !trace.isSpanContextValid(context)) {
      return {
        traceId: "0".repeat(32),
        spanId: "0".repeat(16),
        traceFlags: { sampled: false },
        isRemote: false,
        traceState: [],
      };
    }
    const traceState: [string, string][] = [];
    for (const member of (context.traceState?.serialize() ?? "").split(",")) {
      const at = member.indexOf("=");
      if (at > 0) traceState.push([member.slice(0, at).trim(), member.slice(at + 1).trim()]);
    }
    return {
      traceId: context.traceId,
      spanId: context.spanId,
      traceFlags: { sampled: (context.traceFlags & 1) === 1 },
      isRemote: context.isRemote === true,
      traceState,
    };
  };

  const tracing: WasiOtelTracing = {
    onStart(context) {
      if (!validTraceId(context.traceId) || !validSpanId(context.spanId)) {
        drop("invalid-span");
        return;
      }
      if (state.open.size + state.waitingCount >= limits.openSpans) {
        drop("open-quota");
        return;
      }
      state.open.add(context.spanId);
    },
    onEnd(data) {
      const id = data.spanContext.spanId;
      state.open.delete(id);
      if (!validTraceId(data.spanContext.traceId) || !validSpanId(id) || state.forwardedSpans.has(id)) {
        drop("invalid-span");
        return;
      }
      if (state.forwarded + state.waitingCount >= limits.spansPerInvocation) {
        drop("span-quota");
        return;
      }
      const parentContext = parentFor(data);
      if (parentContext !== "wait") {
        forwardTree(data, parentContext);
        return;
      }
      if (state.open.size + state.waitingCount >= limits.openSpans) {
        drop("open-quota");
        return;
      }
      const siblings = state.waiting.get(data.parentSpanId) ?? [];
      siblings.push(data);
      state.waiting.set(data.parentSpanId, siblings);
      state.waitingCount++;
    },
    currentSpanContext: toOtelContext,
    outerSpanContext: toOtelContext,
  };

  const imports: Record<string, object> = {};
  for (const key of [WASI_OTEL_TRACING, WASI_OTEL_TYPES]) {
    const implementation = key === WASI_OTEL_TRACING ? tracing : {};
    imports[key] = implementation;
    imports[key.slice(0, key.lastIndexOf("@"))] = implementation;
  }

  return {
    tracing,
    imports,
    begin(context = ROOT_CONTEXT) {
      parent = context;
      state = newState();
    },
    end() {
      // Children whose parent never ended hang from a remote parent with the guest's id.
      for (const [parentId, children] of state.waiting) {
        for (const child of children) {
          state.orphans++;
          const sampled = child.spanContext.traceFlags.sampled === true;
          forwardTree(child, remoteContext(child.spanContext.traceId, parentId, sampled));
        }
      }
      const summary = { forwarded: state.forwarded, orphans: state.orphans, drops: { ...state.drops } };
      parent = ROOT_CONTEXT;
      state = newState();
      return summary;
    },
  };
}
