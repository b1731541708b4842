import { type AttributeValue, ROOT_CONTEXT, type Span } from "@opentelemetry/api";
import { SandprobeError } from "../../errors.js";
import type { MetricOutcome } from "../../otel/probe-telemetry.js";
import { u64ToHex } from "../../otel/tracecontext/u64.js";
import { type DropReason, LEDGER_FATE } from "../stats.js";
import { LOG_LEVELS, type LogLevel, type WorldContext } from "./context.js";

/**
 * The probe world (wit/probe.wit) implemented once, on lifted values: JS
 * strings, numbers and bigints, enums as their numeric WIT order. Both hosts
 * are lowering adapters over these operations:
 *
 * - the fast path (host/imports/) decodes (ptr, len) strings from guest
 *   memory, calls the operation and writes any return area;
 * - the jco path (host/jco/probe-host.ts) maps jco's enum strings to numbers
 *   and checks capabilities at call time.
 *
 * Strings arrive already decoded and capped: truncation is counted where a
 * string is decoded (GuestMemory's cap on the fast path, the jco adapter's
 * cap), never here, so nothing is counted twice.
 */

const SPAN_KINDS = 5; // internal, server, client, producer, consumer: same order as OpenTelemetry's SpanKind
const STATUS_CODES = 3; // unset, ok, error: same order as OpenTelemetry's SpanStatusCode

/** Longest header name looked up, in code units. */
export const HEADER_NAME_UNITS = 256;
/** Longest abort message and file name kept, in code units. */
export const ABORT_MESSAGE_UNITS = 1024;
export const ABORT_FILE_UNITS = 256;

const ZERO_TRACE_ID = "0".repeat(32);
const ZERO_SPAN_ID = "0".repeat(16);

function invalidEnum(what: string, value: number): never {
  // The canonical ABI traps when a guest lowers an out-of-range enum.
  throw new SandprobeError("E_PROBE_TRAP", `invalid ${what} ${value}`);
}

/**
 * The request's span context as lower-case hex (all zeros when the request
 * has none). The object is reused: read it before the next call.
 */
export interface CurrentContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}

/** The operations of the probe world for one probe instance. */
export interface ProbeSemantics {
  // trace
  currentContext(): CurrentContext;
  tracestate(): string;
  /** `kind`: span-kind in WIT order; `parent`: 0 = the request, else a handle; `startNs`: a monotonic instant. */
  startSpan(name: string, kind: number, parent: number, startNs: bigint | number): number;
  setAttribute(handle: number, key: string, value: AttributeValue): void;
  /**
   * The span an attribute goes to: the handle checked and the attribute
   * counted against the span's quota (recorded or not). Undefined when
   * refused, and when the span does not record: then its key and value are
   * never decoded (docs/abi.md, "Strings the host never reads").
   */
  attributeTarget(handle: number): Span | undefined;
  /** The span behind a handle when it records (bad handles counted); undefined otherwise. */
  recordingSpan(handle: number): Span | undefined;
  addEvent(handle: number, name: string): void;
  addEventTo(span: Span, name: string): void;
  addEventWithAttribute(handle: number, name: string, key: string, value: string): void;
  addEventWithAttributeTo(span: Span, name: string, key: string, value: string): void;
  /** The span-context record's four fields; i64 bits are read as unsigned. */
  addLink(handle: number, traceIdHi: bigint, traceIdLo: bigint, spanId: bigint, traceFlags: number): void;
  /** `code`: status-code in WIT order (unset 0, ok 1, error 2). */
  setStatus(handle: number, code: number, message: string): void;
  /** The recording span a status goes to; traps on an invalid `code` first, whatever the span. */
  statusTarget(handle: number, code: number): Span | undefined;
  setStatusOf(span: Span, code: number, message: string): void;
  /** `endNs` undefined: now (the clock is only read for a span that records). */
  endSpan(handle: number, endNs: bigint | number | undefined): void;
  /** `decision`: sampling-decision in WIT order (drop 0, keep 1). */
  sample(decision: number): void;
  // http (capabilities are the adapter's business: checked at load or at call time)
  method(): string;
  route(): string;
  status(): number;
  receivedAtNs(): number;
  header(name: string): string | undefined;
  // log
  /**
   * Admit a log line of `units` code units against the per-invocation and
   * per-window quotas, before it is decoded (dropped and counted when not).
   */
  logAdmit(units: number): boolean;
  /** Emit an admitted line; `level` in WIT order, at most `logUnitsPerInvocation` units. */
  log(level: number, text: string): void;
  /** Record the reason of the trap that follows, and log it as fatal. */
  abort(message: string, file: string, line: number, column: number): void;
  // metrics
  counterAdd(name: string, value: number, key: string, attrValue: string): void;
  histogramRecord(name: string, value: number, key: string, attrValue: string): void;
  // wasi:clocks
  monotonicNow(): number;
  resolutionNs(): number;
  wallNow(): [seconds: number, nanoseconds: number];
}

/** The probe world's rules over one probe's shared context. */
export function probeSemantics(ctx: WorldContext): ProbeSemantics {
  const { clock, stats, tracer, limits } = ctx;
  /** The ledger: every start-span call is emitted, and ends exported or dropped for one reason. */
  const account = ctx.telemetry.account.spans;
  const telemetry = ctx.telemetry;
  /** A whole span the host dropped: counted once per reason, and by its fate in the ledger. */
  const dropSpan = (reason: DropReason): 0 => {
    stats.drop(reason);
    account.drop(LEDGER_FATE[reason] ?? "quota");
    return 0;
  };
  /** A whole log line the host refused. */
  const dropLog = (reason: DropReason): false => {
    stats.drop(reason);
    telemetry.dropLog(LEDGER_FATE[reason] ?? "quota");
    return false;
  };
  const allowedHeaders = new Set(ctx.manifest.headers);
  const current = { traceId: ZERO_TRACE_ID, spanId: ZERO_SPAN_ID, traceFlags: 0 };

  /** The span behind a handle in the current call, counting bad handles. */
  const spanOf = (handle: number): Span | undefined => {
    const call = ctx.call;
    const span = call?.spans.get(handle >>> 0);
    if (span === undefined) stats.drop(call ? "invalid-handle" : "no-request");
    return span;
  };

  /** The span behind a handle when it records: work for any other span would be thrown away. */
  const recordingSpan = (handle: number): Span | undefined => {
    const span = spanOf(handle);
    return span?.isRecording() ? span : undefined;
  };

  const attributeTarget = (handle: number): Span | undefined => {
    const call = ctx.call;
    const span = call?.spans.get(handle >>> 0);
    if (call === undefined || span === undefined) {
      stats.drop(call ? "invalid-handle" : "no-request");
      return undefined;
    }
    // The quota counts every attribute the probe sets, so sampling never changes what a probe may do.
    if (!call.spans.takeAttribute(handle >>> 0, limits.attributesPerSpan)) {
      stats.drop("attribute-quota");
      return undefined;
    }
    return span.isRecording() ? span : undefined;
  };

  const statusTarget = (handle: number, code: number): Span | undefined => {
    if (code >>> 0 >= STATUS_CODES) invalidEnum("status-code", code);
    return recordingSpan(handle);
  };

  const setStatusOf = (span: Span, code: number, message: string): void => {
    // OpenTelemetry ignores a description unless the status is ERROR.
    span.setStatus(code === 2 && message ? { code, message } : { code });
  };
  const addEventTo = (span: Span, name: string): void => {
    span.addEvent(name, clock.toEpoch(clock.nowNs()));
  };
  const addEventWithAttributeTo = (span: Span, name: string, key: string, value: string): void => {
    span.addEvent(name, { [key]: value }, clock.toEpoch(clock.nowNs()));
  };

  const emit = (level: LogLevel, message: string): void => {
    const request = ctx.call?.request;
    ctx.log({ probe: ctx.name, level, message, traceId: request?.traceId, spanId: request?.spanId });
    // As an OpenTelemetry log record, correlated with the request's current span.
    if (telemetry.logs)
      telemetry.emitLog(level, message, request?.parent ?? ROOT_CONTEXT, clock.toEpoch(clock.nowNs()));
  };

  const metricOutcome = (result: MetricOutcome): void => {
    if (result === "cardinality") stats.drop("metric-cardinality");
    else if (result === "invalid") stats.drop("metric-invalid");
  };

  return {
    currentContext(): CurrentContext {
      const request = ctx.call?.request;
      const traceId = request?.traceId ?? "";
      const spanId = request?.spanId ?? "";
      // Ids are validated lower-case hex when the request view is built.
      const valid = traceId.length === 32 && spanId.length === 16;
      current.traceId = valid ? traceId : ZERO_TRACE_ID;
      current.spanId = valid ? spanId : ZERO_SPAN_ID;
      current.traceFlags = valid ? (request?.traceFlags ?? 0) & 0xff : 0;
      return current;
    },

    tracestate: () => ctx.call?.request.tracestate ?? "",

    startSpan(name, kind, parent, startNs) {
      if (kind >>> 0 >= SPAN_KINDS) invalidEnum("span-kind", kind);
      account.emitted++;
      const call = ctx.call;
      if (!call) return dropSpan("no-request");
      if (call.spansStarted >= limits.spansPerInvocation) return dropSpan("span-quota");
      if (!ctx.rates.spans.take(1)) return dropSpan("span-rate");
      let parentContext = call.request.parent;
      if (parent !== 0) {
        const child = call.spans.contextOf(parent >>> 0, parentContext);
        if (child) parentContext = child;
        else stats.drop("invalid-handle");
      }
      call.spansStarted++;
      stats.spansStarted++;
      const handle = call.spans.start(tracer, name, kind, clock.toEpoch(startNs), parentContext);
      // A span the sampler dropped is a non-recording span: it never reaches a processor.
      // The handle stays valid (the probe may still use it); only the ledger books its fate.
      if (call.spans.get(handle)?.isRecording() === false) account.drop("sampled-out");
      return handle;
    },

    setAttribute(handle, key, value) {
      attributeTarget(handle)?.setAttribute(key, value);
    },
    attributeTarget,
    recordingSpan,

    addEvent(handle, name) {
      const span = recordingSpan(handle);
      if (span) addEventTo(span, name);
    },
    addEventTo,

    addEventWithAttribute(handle, name, key, value) {
      const span = recordingSpan(handle);
      if (span) addEventWithAttributeTo(span, name, key, value);
    },
    addEventWithAttributeTo,

    addLink(handle, traceIdHi, traceIdLo, spanId, traceFlags) {
      const span = spanOf(handle);
      if (!span) return;
      // i64 arrives signed on the fast path: read the bits as unsigned.
      const hi = BigInt.asUintN(64, traceIdHi);
      const lo = BigInt.asUintN(64, traceIdLo);
      const id = BigInt.asUintN(64, spanId);
      if ((hi === 0n && lo === 0n) || id === 0n) {
        stats.drop("invalid-link");
        return;
      }
      if (!span.isRecording()) return;
      span.addLink({
        context: {
          traceId: u64ToHex(hi) + u64ToHex(lo),
          spanId: u64ToHex(id),
          traceFlags: traceFlags & 0xff,
          isRemote: true,
        },
      });
    },

    setStatus(handle, code, message) {
      const span = statusTarget(handle, code);
      if (span) setStatusOf(span, code, message);
    },
    statusTarget,
    setStatusOf,

    endSpan(handle, endNs) {
      const call = ctx.call;
      const span = call?.spans.get(handle >>> 0);
      // Check the handle before reading the clock or converting the time.
      if (call === undefined || span === undefined) {
        stats.drop(call ? "invalid-handle" : "no-request");
        return;
      }
      // A span that does not record ignores its end time: neither read the clock nor convert it.
      call.spans.end(handle >>> 0, span.isRecording() ? clock.toEpoch(endNs ?? clock.nowNs()) : undefined);
      stats.spansEnded++;
    },

    sample(decision) {
      if (decision >>> 0 > 1) invalidEnum("sampling-decision", decision);
      const call = ctx.call;
      if (call) call.request.sample(decision === 1);
      else stats.drop("no-request");
    },

    method: () => ctx.call?.request.method ?? "",
    route: () => ctx.call?.request.route ?? "",
    status: () => ctx.call?.request.status ?? 0,
    receivedAtNs: () => ctx.call?.request.receivedAtNs ?? 0,
    header(name) {
      const key = (name.length > HEADER_NAME_UNITS ? name.slice(0, HEADER_NAME_UNITS) : name).toLowerCase();
      // Only names the manifest lists are ever returned; any other reads as none.
      return allowedHeaders.has(key) ? ctx.call?.request.header(key) : undefined;
    },

    logAdmit(units) {
      const call = ctx.call;
      if (!call) return true;
      if (call.logUnits + units > limits.logUnitsPerInvocation) return dropLog("log-quota");
      if (!ctx.rates.logUnits.take(units)) return dropLog("log-rate");
      call.logUnits += units;
      return true;
    },

    log(level, text) {
      emit(LOG_LEVELS[level] ?? "info", text);
    },

    abort(message, file, line, column) {
      const m = message.length > ABORT_MESSAGE_UNITS ? message.slice(0, ABORT_MESSAGE_UNITS) : message;
      const f = file.length > ABORT_FILE_UNITS ? file.slice(0, ABORT_FILE_UNITS) : file;
      ctx.abortMessage = `${m} (${f}:${line >>> 0}:${column >>> 0})`;
      emit("fatal", ctx.abortMessage);
    },

    counterAdd(name, value, key, attrValue) {
      metricOutcome(telemetry.counterAdd(name, value, key, attrValue));
    },
    histogramRecord(name, value, key, attrValue) {
      metricOutcome(telemetry.histogramRecord(name, value, key, attrValue));
    },

    monotonicNow: () => clock.nowNs(),
    resolutionNs: () => clock.resolutionNs(),
    wallNow: () => clock.wallNow(),
  };
}
