import { type AttributeValue, ROOT_CONTEXT, type Span } from "@opentelemetry/api";
import { SandprobeError } from "../../errors.js";
import { isUnregistered, noopSpan } from "../../otel/noop-spans.js";
import type { MetricOutcome } from "../../otel/probe-telemetry.js";
import { u64ToHex } from "../../otel/tracecontext/u64.js";
import { type DropReason, LEDGER_FATE } from "../stats.js";
import { LOG_LEVELS, type LogLevel, type WorldContext } from "./context.js";

/**
 * The probe world (wit/probe.wit) implemented once, on lifted values: JS
 * strings, numbers and bigints, enums as their numeric WIT order. Both hosts
 * are lowering adapters over these operations:
 *
 * - the fast path (host/runtime/host/core/) decodes (ptr, len) strings from
 *   guest memory, calls the operation and writes any return area;
 * - the jco path (host/runtime/host/lifted/probe-host.ts) maps jco's enum
 *   strings to numbers and checks capabilities at call time.
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
  /**
   * `kind`: span-kind in WIT order; `parent`: 0 = the request, else a handle;
   * `startNs`: a monotonic instant, or undefined for now (the clock is then read only if an SDK is registered).
   */
  startSpan(name: string, kind: number, parent: number, startNs: bigint | number | undefined): number;
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

/**
 * The probe world's rules over one probe's shared context. A class, not a
 * set of closures per instance: every probe shares the same methods, so a
 * call site that serves several probes stays monomorphic and the engine
 * inlines it. Closures made from one literal for each probe are fast only
 * while a single probe has run (V8 then specializes them on their captured
 * values); a process with several probes, or after a reload, loses that.
 * It is also ~2.5 KiB less per instance.
 */
export class ProbeWorld implements ProbeSemantics {
  private readonly ctx: WorldContext;
  private readonly allowedHeaders: ReadonlySet<string>;
  /** Reused by currentContext(). */
  private readonly current = { traceId: ZERO_TRACE_ID, spanId: ZERO_SPAN_ID, traceFlags: 0 };

  constructor(ctx: WorldContext) {
    this.ctx = ctx;
    this.allowedHeaders = new Set(ctx.manifest.headers);
  }

  /** A whole span the host dropped: counted once per reason, and by its fate in the ledger. */
  private dropSpan(reason: DropReason): 0 {
    this.ctx.stats.drop(reason);
    this.ctx.telemetry.account.spans.drop(LEDGER_FATE[reason] ?? "quota");
    return 0;
  }

  /** A whole log line the host refused. */
  private dropLog(reason: DropReason): false {
    this.ctx.stats.drop(reason);
    this.ctx.telemetry.dropLog(LEDGER_FATE[reason] ?? "quota");
    return false;
  }

  /** The span behind a handle in the current call, counting bad handles. */
  private spanOf(handle: number): Span | undefined {
    const call = this.ctx.call;
    const span = call?.spans.get(handle >>> 0);
    if (span === undefined) this.ctx.stats.drop(call ? "invalid-handle" : "no-request");
    return span;
  }

  /** The span behind a handle when it records: work for any other span would be thrown away. */
  recordingSpan(handle: number): Span | undefined {
    const span = this.spanOf(handle);
    return span?.isRecording() ? span : undefined;
  }

  attributeTarget(handle: number): Span | undefined {
    const ctx = this.ctx;
    const call = ctx.call;
    const span = call?.spans.get(handle >>> 0);
    if (call === undefined || span === undefined) {
      ctx.stats.drop(call ? "invalid-handle" : "no-request");
      return undefined;
    }
    // The quota counts every attribute the probe sets, so sampling never changes what a probe may do.
    if (!call.spans.takeAttribute(handle >>> 0, ctx.limits.attributesPerSpan)) {
      ctx.stats.drop("attribute-quota");
      return undefined;
    }
    return span.isRecording() ? span : undefined;
  }

  statusTarget(handle: number, code: number): Span | undefined {
    if (code >>> 0 >= STATUS_CODES) invalidEnum("status-code", code);
    return this.recordingSpan(handle);
  }

  setStatusOf(span: Span, code: number, message: string): void {
    // OpenTelemetry ignores a description unless the status is ERROR.
    span.setStatus(code === 2 && message ? { code, message } : { code });
  }

  addEventTo(span: Span, name: string): void {
    const clock = this.ctx.clock;
    span.addEvent(name, clock.toEpoch(clock.nowNs()));
  }

  addEventWithAttributeTo(span: Span, name: string, key: string, value: string): void {
    const clock = this.ctx.clock;
    span.addEvent(name, { [key]: value }, clock.toEpoch(clock.nowNs()));
  }

  private emit(level: LogLevel, message: string): void {
    const ctx = this.ctx;
    const request = ctx.call?.request;
    ctx.log({ probe: ctx.name, level, message, traceId: request?.traceId, spanId: request?.spanId });
    // As an OpenTelemetry log record, correlated with the request's current span.
    const telemetry = ctx.telemetry;
    if (telemetry.logs)
      telemetry.emitLog(level, message, request?.parent ?? ROOT_CONTEXT, ctx.clock.toEpoch(ctx.clock.nowNs()));
  }

  private metricOutcome(result: MetricOutcome): void {
    if (result === "cardinality") this.ctx.stats.drop("metric-cardinality");
    else if (result === "invalid") this.ctx.stats.drop("metric-invalid");
  }

  currentContext(): CurrentContext {
    const request = this.ctx.call?.request;
    const traceId = request?.traceId ?? "";
    const spanId = request?.spanId ?? "";
    // Ids are validated lower-case hex when the request view is built.
    const valid = traceId.length === 32 && spanId.length === 16;
    const current = this.current;
    current.traceId = valid ? traceId : ZERO_TRACE_ID;
    current.spanId = valid ? spanId : ZERO_SPAN_ID;
    current.traceFlags = valid ? (request?.traceFlags ?? 0) & 0xff : 0;
    return current;
  }

  tracestate(): string {
    return this.ctx.call?.request.tracestate ?? "";
  }

  startSpan(name: string, kind: number, parent: number, startNs: bigint | number | undefined): number {
    if (kind >>> 0 >= SPAN_KINDS) invalidEnum("span-kind", kind);
    const ctx = this.ctx;
    /** The ledger: every start-span call is emitted, and ends exported or dropped for one reason. */
    const account = ctx.telemetry.account.spans;
    account.emitted++;
    const call = ctx.call;
    if (!call) return this.dropSpan("no-request");
    if (call.spansStarted >= ctx.limits.spansPerInvocation) return this.dropSpan("span-quota");
    if (!ctx.rates.spans.take(1)) return this.dropSpan("span-rate");
    let parentContext = call.request.parent;
    if (parent !== 0) {
      const child = call.spans.contextOf(parent >>> 0, parentContext);
      if (child) parentContext = child;
      else ctx.stats.drop("invalid-handle");
    }
    call.spansStarted++;
    ctx.stats.spansStarted++;
    // With no SDK registered the span is the API's no-op span: made here, without NoopTracer's regular
    // expressions or the start time it ignores, so not even the clock is read (otel/noop-spans.ts).
    const clock = ctx.clock;
    const handle = isUnregistered(ctx.tracerProvider)
      ? call.spans.add(noopSpan(parentContext))
      : call.spans.start(ctx.tracer, name, kind, clock.toEpoch(startNs ?? clock.nowNs()), parentContext);
    // A span the sampler dropped is a non-recording span: it never reaches a processor.
    // The handle stays valid (the probe may still use it); only the ledger books its fate.
    if (call.spans.get(handle)?.isRecording() === false) account.drop("sampled-out");
    return handle;
  }

  setAttribute(handle: number, key: string, value: AttributeValue): void {
    this.attributeTarget(handle)?.setAttribute(key, value);
  }

  addEvent(handle: number, name: string): void {
    const span = this.recordingSpan(handle);
    if (span) this.addEventTo(span, name);
  }

  addEventWithAttribute(handle: number, name: string, key: string, value: string): void {
    const span = this.recordingSpan(handle);
    if (span) this.addEventWithAttributeTo(span, name, key, value);
  }

  addLink(handle: number, traceIdHi: bigint, traceIdLo: bigint, spanId: bigint, traceFlags: number): void {
    const span = this.spanOf(handle);
    if (!span) return;
    // i64 arrives signed on the fast path: read the bits as unsigned.
    const hi = BigInt.asUintN(64, traceIdHi);
    const lo = BigInt.asUintN(64, traceIdLo);
    const id = BigInt.asUintN(64, spanId);
    if ((hi === 0n && lo === 0n) || id === 0n) {
      this.ctx.stats.drop("invalid-link");
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
  }

  setStatus(handle: number, code: number, message: string): void {
    const span = this.statusTarget(handle, code);
    if (span) this.setStatusOf(span, code, message);
  }

  endSpan(handle: number, endNs: bigint | number | undefined): void {
    const ctx = this.ctx;
    const call = ctx.call;
    const span = call?.spans.get(handle >>> 0);
    // Check the handle before reading the clock or converting the time.
    if (call === undefined || span === undefined) {
      ctx.stats.drop(call ? "invalid-handle" : "no-request");
      return;
    }
    // A span that does not record ignores its end time: neither read the clock nor convert it.
    const clock = ctx.clock;
    call.spans.end(handle >>> 0, span.isRecording() ? clock.toEpoch(endNs ?? clock.nowNs()) : undefined);
    ctx.stats.spansEnded++;
  }

  sample(decision: number): void {
    if (decision >>> 0 > 1) invalidEnum("sampling-decision", decision);
    const call = this.ctx.call;
    if (call) call.request.sample(decision === 1);
    else this.ctx.stats.drop("no-request");
  }

  method(): string {
    return this.ctx.call?.request.method ?? "";
  }

  route(): string {
    return this.ctx.call?.request.route ?? "";
  }

  status(): number {
    return this.ctx.call?.request.status ?? 0;
  }

  receivedAtNs(): number {
    return this.ctx.call?.request.receivedAtNs ?? 0;
  }

  header(name: string): string | undefined {
    const key = (name.length > HEADER_NAME_UNITS ? name.slice(0, HEADER_NAME_UNITS) : name).toLowerCase();
    // Only names the manifest lists are ever returned; any other reads as none.
    return this.allowedHeaders.has(key) ? this.ctx.call?.request.header(key) : undefined;
  }

  logAdmit(units: number): boolean {
    const ctx = this.ctx;
    const call = ctx.call;
    if (!call) return true;
    if (call.logUnits + units > ctx.limits.logUnitsPerInvocation) return this.dropLog("log-quota");
    if (!ctx.rates.logUnits.take(units)) return this.dropLog("log-rate");
    call.logUnits += units;
    return true;
  }

  log(level: number, text: string): void {
    this.emit(LOG_LEVELS[level] ?? "info", text);
  }

  abort(message: string, file: string, line: number, column: number): void {
    const m = message.length > ABORT_MESSAGE_UNITS ? message.slice(0, ABORT_MESSAGE_UNITS) : message;
    const f = file.length > ABORT_FILE_UNITS ? file.slice(0, ABORT_FILE_UNITS) : file;
    this.ctx.abortMessage = `${m} (${f}:${line >>> 0}:${column >>> 0})`;
    this.emit("fatal", this.ctx.abortMessage);
  }

  counterAdd(name: string, value: number, key: string, attrValue: string): void {
    this.metricOutcome(this.ctx.telemetry.counterAdd(name, value, key, attrValue));
  }

  histogramRecord(name: string, value: number, key: string, attrValue: string): void {
    this.metricOutcome(this.ctx.telemetry.histogramRecord(name, value, key, attrValue));
  }

  monotonicNow(): number {
    return this.ctx.clock.nowNs();
  }

  resolutionNs(): number {
    return this.ctx.clock.resolutionNs();
  }

  wallNow(): [seconds: number, nanoseconds: number] {
    return this.ctx.clock.wallNow();
  }
}

/** The probe world's rules over one probe's shared context (the jco path's entry). */
export function probeSemantics(ctx: WorldContext): ProbeSemantics {
  return new ProbeWorld(ctx);
}
