import { SandprobeError } from "../../../errors.js";
import { spanIdToU64, traceIdToU64s } from "../../../otel/tracecontext/u64.js";
import {
  type HttpInterface,
  importKeys,
  type LogInterface,
  type LogLevel,
  type MetricsInterface,
  type MonotonicClockInterface,
  type ProbeImportObject,
  type SpanKind,
  type StatusCode,
  type TraceInterface,
  type WallClockInterface,
} from "../../../world/lifted.js";
import type { Capability } from "../../../world/manifest.js";
import { INTERFACES } from "../../../world/names.js";
import { LOG_LEVELS, type WorldContext } from "../context.js";
import { probeSemantics } from "../semantics.js";

/**
 * State the jco-path imports share: the world's context (the fast path's
 * ProbeContext without the guest memory, because jco lifts every argument
 * before our code sees it).
 */
export type LiftedProbeContext = WorldContext;

// jco lifts enums to their case names; the world takes their WIT order
// (= OpenTelemetry's numeric SpanKind / SpanStatusCode).
const KINDS: Record<SpanKind, number> = { internal: 0, server: 1, client: 2, producer: 3, consumer: 4 };
const STATUS: Record<StatusCode, number> = { unset: 0, ok: 1, error: 2 };
const LEVELS: Record<LogLevel, number> = Object.fromEntries(LOG_LEVELS.map((level, i) => [level, i])) as Record<
  LogLevel,
  number
>;

/**
 * The probe world for a transpiled component: an adapter that maps jco's
 * lifted values onto the world's operations (host/runtime/host/semantics.ts, the
 * same ones the fast path lowers to), so the same probe emits the same
 * spans, logs and metrics on both paths. What stays here is what only a
 * lifted host does: cap strings (counted as `string-truncated`, where the
 * fast path's GuestMemory counts), map enum names to their WIT order, and
 * check http capabilities when called (a component's imports are not
 * refused at load, so the call throws E_IMPORT_NOT_ALLOWED and fails the
 * hook).
 */
export function liftedProbeImports(ctx: LiftedProbeContext): ProbeImportObject {
  const { stats, limits, manifest } = ctx;
  const world = probeSemantics(ctx);

  const cap = (text: string): string => {
    const max = limits.maxStringUnits;
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

  const traceImpl: TraceInterface = {
    currentContext() {
      const current = world.currentContext();
      const [traceIdHi, traceIdLo] = traceIdToU64s(current.traceId);
      return { traceIdHi, traceIdLo, spanId: spanIdToU64(current.spanId), traceFlags: current.traceFlags };
    },
    tracestate: () => world.tracestate(),
    startSpan: (name, kind, parent) => world.startSpan(cap(name), KINDS[kind], parent, undefined),
    startSpanAt: (name, kind, parent, start) => world.startSpan(cap(name), KINDS[kind], parent, start),
    setAttributeString: (span, key, value) => world.setAttribute(span, cap(key), cap(value)),
    // OpenTelemetry JS numbers are doubles: exact up to 2^53, as on the fast path.
    setAttributeInt: (span, key, value) => world.setAttribute(span, cap(key), Number(value)),
    setAttributeFloat: (span, key, value) => world.setAttribute(span, cap(key), value),
    setAttributeBool: (span, key, value) => world.setAttribute(span, cap(key), value),
    addEvent: (span, name) => world.addEvent(span, cap(name)),
    addEventWithAttribute: (span, name, key, value) =>
      world.addEventWithAttribute(span, cap(name), cap(key), cap(value)),
    addLink: (span, link) => world.addLink(span, link.traceIdHi, link.traceIdLo, link.spanId, link.traceFlags),
    setStatus: (span, code, message) => world.setStatus(span, STATUS[code], cap(message)),
    endSpan: (span) => world.endSpan(span, undefined),
    endSpanAt: (span, end) => world.endSpan(span, end),
    sample: (decision) => world.sample(decision === "keep" ? 1 : 0),
  };

  const httpImpl: HttpInterface = {
    method() {
      need("http.method");
      return world.method();
    },
    route() {
      need("http.route");
      return world.route();
    },
    status() {
      need("http.status");
      return world.status();
    },
    receivedAt() {
      need("http.received-at");
      return BigInt(world.receivedAtNs());
    },
    header(name) {
      need("http.header");
      return world.header(name);
    },
  };

  const metricsImpl: MetricsInterface = {
    counterAdd: (name, value, key, attrValue) => world.counterAdd(cap(name), value, cap(key), cap(attrValue)),
    histogramRecord: (name, value, key, attrValue) => world.histogramRecord(cap(name), value, cap(key), cap(attrValue)),
  };

  const logImpl: LogInterface = {
    log(level, message) {
      if (world.logAdmit(message.length)) world.log(LEVELS[level], message.slice(0, limits.logUnitsPerInvocation));
    },
    abort: (message, file, line, column) => world.abort(message, file, line, column),
  };

  const monotonicImpl: MonotonicClockInterface = {
    now: () => BigInt(world.monotonicNow()),
    resolution: () => BigInt(world.resolutionNs()),
  };
  const toDatetime = ([seconds, nanoseconds]: [number, number]) => ({ seconds: BigInt(seconds), nanoseconds });
  const wallImpl: WallClockInterface = {
    now: () => toDatetime(world.wallNow()),
    resolution() {
      const ns = world.resolutionNs();
      return toDatetime([Math.floor(ns / 1e9), ns % 1e9]);
    },
  };

  return {
    ...importKeys(INTERFACES.monotonicClock, monotonicImpl),
    ...importKeys(INTERFACES.wallClock, wallImpl),
    ...importKeys(INTERFACES.types, {}),
    ...importKeys(INTERFACES.trace, traceImpl),
    ...importKeys(INTERFACES.http, httpImpl),
    ...importKeys(INTERFACES.metrics, metricsImpl),
    ...importKeys(INTERFACES.log, logImpl),
  };
}
