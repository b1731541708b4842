import type { AttributeValue, Span, Tracer } from "@opentelemetry/api";
import type { HostClock } from "../clock/clock.js";
import { SandprobeError } from "../errors.js";
import type { ActiveCall, LogLevel as HostLogLevel, ProbeLogRecord } from "../imports/context.js";
import type { Capability, Manifest } from "../manifest/manifest.js";
import type { HostLimits } from "../runtime/limits.js";
import type { ProbeStats } from "../runtime/stats.js";
import {
  type HttpInterface,
  importKeys,
  type LogInterface,
  type MonotonicClockInterface,
  PROBE_INTERFACES,
  type ProbeImportObject,
  type SpanKind,
  type StatusCode,
  type TraceInterface,
  type WallClockInterface,
} from "./probe-world.js";
import { spanIdToU64, traceIdToU64s } from "./trace-ids.js";

/**
 * State the jco-path imports share: the fast path's ProbeContext without the
 * guest memory, because jco lifts every argument before our code sees it.
 */
export interface LiftedProbeContext {
  readonly name: string;
  readonly manifest: Manifest;
  readonly clock: HostClock;
  readonly tracer: Tracer;
  readonly limits: HostLimits;
  readonly stats: ProbeStats;
  readonly log: (record: ProbeLogRecord) => void;
  /** Set for the duration of a hook call. */
  call: ActiveCall | undefined;
  abortMessage: string | undefined;
}

// WIT enum cases in declaration order = OpenTelemetry's numeric SpanKind / SpanStatusCode.
const KINDS: Record<SpanKind, number> = { internal: 0, server: 1, client: 2, producer: 3, consumer: 4 };
const STATUS: Record<StatusCode, number> = { unset: 0, ok: 1, error: 2 };

/**
 * sandprobe:probe/trace, /http, /log and the clocks, implemented on lifted
 * values for a transpiled component. Every rule mirrors host/imports/ (the
 * fast path): quotas, handle checks, string caps, the no-request state,
 * sampling through the request view, so the same probe emits the same spans
 * on both paths. One difference: the fast path refuses an http import
 * without its capability at load; here the call throws E_IMPORT_NOT_ALLOWED,
 * which fails the hook.
 */
export function liftedProbeImports(ctx: LiftedProbeContext): ProbeImportObject {
  const { clock, stats, tracer, limits, manifest } = ctx;

  const cap = (text: string, max = limits.maxStringUnits): string => {
    if (text.length <= max) return text;
    stats.drop("string-truncated");
    return text.slice(0, max);
  };

  const need = (capability: Capability): void => {
    if (!manifest.capabilities.includes(capability)) {
      throw new SandprobeError("E_IMPORT_NOT_ALLOWED", `called ${capability} without that capability in its manifest`, {
        capability,
      });
    }
  };

  const startSpan = (rawName: string, kind: SpanKind, parent: number, startNs: bigint | number): number => {
    const name = cap(rawName);
    const call = ctx.call;
    if (!call) {
      stats.drop("no-request");
      return 0;
    }
    if (call.spansStarted >= limits.spansPerInvocation) {
      stats.drop("span-quota");
      return 0;
    }
    let parentContext = call.request.parent;
    if (parent !== 0) {
      const child = call.spans.contextOf(parent >>> 0, parentContext);
      if (child) parentContext = child;
      else stats.drop("invalid-handle");
    }
    call.spansStarted++;
    stats.spansStarted++;
    return call.spans.start(tracer, name, KINDS[kind] as number, clock.toEpoch(startNs), parentContext);
  };

  const spanOf = (handle: number): Span | undefined => {
    const span = ctx.call?.spans.get(handle >>> 0);
    if (!span) stats.drop(ctx.call ? "invalid-handle" : "no-request");
    return span;
  };

  const setAttribute = (handle: number, rawKey: string, value: AttributeValue): void => {
    const key = cap(rawKey);
    const span = spanOf(handle);
    if (!span) return;
    if (!ctx.call?.spans.takeAttribute(handle >>> 0, limits.attributesPerSpan)) {
      stats.drop("attribute-quota");
      return;
    }
    span.setAttribute(key, value);
  };

  const endSpan = (handle: number, endNs: bigint | number): void => {
    const call = ctx.call;
    if (call?.spans.end(handle >>> 0, clock.toEpoch(endNs))) stats.spansEnded++;
    else stats.drop(call ? "invalid-handle" : "no-request");
  };

  const traceImpl: TraceInterface = {
    currentContext() {
      const request = ctx.call?.request;
      const traceId = request?.traceId ?? "";
      if (traceId.length !== 32) return { traceIdHi: 0n, traceIdLo: 0n, spanId: 0n, traceFlags: 0 };
      const [traceIdHi, traceIdLo] = traceIdToU64s(traceId);
      return {
        traceIdHi,
        traceIdLo,
        spanId: spanIdToU64(request?.spanId ?? ""),
        traceFlags: (request?.traceFlags ?? 0) & 0xff,
      };
    },
    tracestate: () => ctx.call?.request.tracestate ?? "",
    startSpan: (name, kind, parent) => startSpan(name, kind, parent, clock.nowNs()),
    startSpanAt: (name, kind, parent, start) => startSpan(name, kind, parent, start),
    setAttributeString: (span, key, value) => setAttribute(span, key, cap(value)),
    // OpenTelemetry JS numbers are doubles: exact up to 2^53, as on the fast path.
    setAttributeInt: (span, key, value) => setAttribute(span, key, Number(value)),
    setAttributeFloat: (span, key, value) => setAttribute(span, key, value),
    setAttributeBool: (span, key, value) => setAttribute(span, key, value),
    addEvent(span, name) {
      const text = cap(name);
      spanOf(span)?.addEvent(text, clock.toEpoch(clock.nowNs()));
    },
    setStatus(span, code, message) {
      const text = cap(message);
      const numeric = STATUS[code] as number;
      spanOf(span)?.setStatus(numeric === 2 && text ? { code: numeric, message: text } : { code: numeric });
    },
    endSpan: (span) => endSpan(span, clock.nowNs()),
    endSpanAt: (span, end) => endSpan(span, end),
    sample(decision) {
      const call = ctx.call;
      if (call) call.request.sample(decision === "keep");
      else stats.drop("no-request");
    },
  };

  const allowedHeaders = new Set(manifest.headers);
  const httpImpl: HttpInterface = {
    method() {
      need("http.method");
      return ctx.call?.request.method ?? "";
    },
    route() {
      need("http.route");
      return ctx.call?.request.route ?? "";
    },
    status() {
      need("http.status");
      return ctx.call?.request.status ?? 0;
    },
    receivedAt() {
      need("http.received-at");
      return BigInt(ctx.call?.request.receivedAtNs ?? 0);
    },
    header(name) {
      need("http.header");
      const key = name.slice(0, 256).toLowerCase();
      return allowedHeaders.has(key) ? ctx.call?.request.header(key) : undefined;
    },
  };

  const emit = (level: HostLogLevel, message: string): void => {
    const request = ctx.call?.request;
    ctx.log({ probe: ctx.name, level, message, traceId: request?.traceId, spanId: request?.spanId });
  };
  const logImpl: LogInterface = {
    log(level, message) {
      const call = ctx.call;
      const units = message.length;
      if (call) {
        if (call.logUnits + units > limits.logUnitsPerInvocation) {
          stats.drop("log-quota");
          return;
        }
        call.logUnits += units;
      }
      emit(level, message.slice(0, limits.logUnitsPerInvocation));
    },
    abort(message, file, line, column) {
      ctx.abortMessage = `${message.slice(0, 1024)} (${file.slice(0, 256)}:${line >>> 0}:${column >>> 0})`;
      emit("fatal", ctx.abortMessage);
    },
  };

  const monotonicImpl: MonotonicClockInterface = {
    now: () => BigInt(clock.nowNs()),
    resolution: () => BigInt(clock.resolutionNs()),
  };
  const wallImpl: WallClockInterface = {
    now() {
      const [seconds, nanoseconds] = clock.wallNow();
      return { seconds: BigInt(seconds), nanoseconds };
    },
    resolution() {
      const ns = clock.resolutionNs();
      return { seconds: BigInt(Math.floor(ns / 1e9)), nanoseconds: ns % 1e9 };
    },
  };

  return {
    ...importKeys(PROBE_INTERFACES.monotonicClock, monotonicImpl),
    ...importKeys(PROBE_INTERFACES.wallClock, wallImpl),
    ...importKeys(PROBE_INTERFACES.types, {}),
    ...importKeys(PROBE_INTERFACES.trace, traceImpl),
    ...importKeys(PROBE_INTERFACES.http, httpImpl),
    ...importKeys(PROBE_INTERFACES.log, logImpl),
  };
}

/**
 * A HostClock over a WASI monotonic clock such as preview2-shim's
 * `monotonicClock` (process.hrtime in Node): instants are the shim's own,
 * placed on the epoch by one anchor taken at creation.
 */
export function clockFromMonotonic(monotonic: MonotonicClockInterface): HostClock {
  const anchorInstant = monotonic.now();
  const anchorEpochNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  const toEpoch = (instant: bigint | number): [number, number] => {
    const ns = anchorEpochNs + (BigInt(instant) - anchorInstant);
    return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
  };
  return {
    nowNs: () => Number(monotonic.now()),
    resolutionNs: () => Number(monotonic.resolution()),
    toEpoch,
    wallNow: () => toEpoch(monotonic.now()),
  };
}
