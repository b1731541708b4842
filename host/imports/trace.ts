import type { AttributeValue, Span } from "@opentelemetry/api";
import { SandprobeError } from "../errors.js";
import type { ProbeContext } from "./context.js";

const SPAN_KINDS = 5; // internal, server, client, producer, consumer: same order as OpenTelemetry's SpanKind
const STATUS_CODES = 3; // unset, ok, error: same order as OpenTelemetry's SpanStatusCode

/**
 * A u64 instant as a number when it is exactly one (always, for a monotonic
 * clock that started less than 104 days ago), else the BigInt itself: the
 * clock's epoch conversion takes either, and is cheaper with a number.
 */
function instant(ns: bigint): bigint | number {
  const n = Number(ns);
  return Number.isSafeInteger(n) ? n : ns;
}

function hex64(value: bigint): string {
  return value.toString(16).padStart(16, "0");
}

const ZERO_ID = "0".repeat(32);

function invalidEnum(what: string, value: number): never {
  // The canonical ABI traps when a guest lowers an out-of-range enum.
  throw new SandprobeError("E_PROBE_TRAP", `invalid ${what} ${value}`);
}

/** sandprobe:probe/trace@0.1.0: the request's trace context and host-managed spans. */
export function traceImports(ctx: ProbeContext) {
  const { memory, clock, stats, tracer, limits } = ctx;
  /** The ledger: every start-span call is emitted, and ends exported or dropped for one reason. */
  const account = ctx.telemetry.account.spans;

  const readString = (ptr: number, len: number): string => {
    if (memory.isTruncated(len)) stats.drop("string-truncated");
    return memory.readString(ptr, len);
  };

  const startSpan = (namePtr: number, nameLen: number, kind: number, parent: number, startNs: bigint | number) => {
    const name = readString(namePtr, nameLen);
    if (kind >>> 0 >= SPAN_KINDS) invalidEnum("span-kind", kind);
    account.emitted++;
    const call = ctx.call;
    if (!call) {
      stats.drop("no-request");
      account.drop("quota");
      return 0;
    }
    if (call.spansStarted >= limits.spansPerInvocation) {
      stats.drop("span-quota");
      account.drop("quota");
      return 0;
    }
    if (!ctx.rates.spans.take(1)) {
      stats.drop("span-rate");
      account.drop("quota");
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
    const handle = call.spans.start(tracer, name, kind, clock.toEpoch(startNs), parentContext);
    // A span the sampler dropped is a non-recording span: it never reaches a processor.
    if (call.spans.get(handle)?.isRecording() === false) account.drop("sampled-out");
    return handle;
  };

  /** The span behind a handle in the current call, counting bad handles. */
  const spanOf = (handle: number): Span | undefined => {
    const call = ctx.call;
    const span = call?.spans.get(handle >>> 0);
    if (span === undefined) stats.drop(call ? "invalid-handle" : "no-request");
    return span;
  };

  const setAttribute = (handle: number, keyPtr: number, keyLen: number, value: AttributeValue) => {
    const key = readString(keyPtr, keyLen);
    const call = ctx.call;
    const span = call?.spans.get(handle >>> 0);
    if (call === undefined || span === undefined) {
      stats.drop(call ? "invalid-handle" : "no-request");
      return;
    }
    if (!call.spans.takeAttribute(handle >>> 0, limits.attributesPerSpan)) {
      stats.drop("attribute-quota");
      return;
    }
    span.setAttribute(key, value);
  };

  const endSpan = (handle: number, endNs: bigint | number) => {
    const call = ctx.call;
    // Check the handle before reading the clock or converting the time.
    if (call?.spans.get(handle >>> 0) === undefined) {
      stats.drop(call ? "invalid-handle" : "no-request");
      return;
    }
    call.spans.end(handle >>> 0, clock.toEpoch(endNs));
    stats.spansEnded++;
  };

  return {
    "current-context": (ret: number): void => {
      const request = ctx.call?.request;
      const traceId = request?.traceId ?? "";
      const spanId = request?.spanId ?? "";
      // Ids are validated lower-case hex; a BigInt per half would cost ~10x more.
      const valid = traceId.length === 32 && spanId.length === 16;
      memory.writeHexU64(ret, valid ? traceId : ZERO_ID, 0);
      memory.writeHexU64(ret + 8, valid ? traceId : ZERO_ID, 16);
      memory.writeHexU64(ret + 16, valid ? spanId : ZERO_ID, 0);
      memory.writeU8(ret + 24, valid ? (request?.traceFlags ?? 0) & 0xff : 0);
    },
    tracestate: (ret: number): void => {
      memory.writeStringResult(ret, ctx.call?.request.tracestate ?? "");
    },
    "start-span": (namePtr: number, nameLen: number, kind: number, parent: number): number =>
      startSpan(namePtr, nameLen, kind, parent, clock.nowNs()),
    "start-span-at": (namePtr: number, nameLen: number, kind: number, parent: number, start: bigint): number =>
      startSpan(namePtr, nameLen, kind, parent, instant(start)),
    "set-attribute-string": (handle: number, kp: number, kl: number, vp: number, vl: number): void => {
      setAttribute(handle, kp, kl, readString(vp, vl));
    },
    "set-attribute-int": (handle: number, kp: number, kl: number, value: bigint): void => {
      // OpenTelemetry JS numbers are doubles: exact up to 2^53, like every JS exporter.
      setAttribute(handle, kp, kl, Number(value));
    },
    "set-attribute-float": (handle: number, kp: number, kl: number, value: number): void => {
      setAttribute(handle, kp, kl, value);
    },
    "set-attribute-bool": (handle: number, kp: number, kl: number, value: number): void => {
      setAttribute(handle, kp, kl, value !== 0);
    },
    "add-event": (handle: number, namePtr: number, nameLen: number): void => {
      const name = readString(namePtr, nameLen);
      spanOf(handle)?.addEvent(name, clock.toEpoch(clock.nowNs()));
    },
    "add-event-with-attribute": (
      handle: number,
      np: number,
      nl: number,
      kp: number,
      kl: number,
      vp: number,
      vl: number,
    ) => {
      const name = readString(np, nl);
      const key = readString(kp, kl);
      const value = readString(vp, vl);
      spanOf(handle)?.addEvent(name, { [key]: value }, clock.toEpoch(clock.nowNs()));
    },
    "add-link": (handle: number, hi: bigint, lo: bigint, spanId: bigint, flags: number): void => {
      const span = spanOf(handle);
      if (!span) return;
      // i64 arrives signed: read the bits as unsigned.
      const hiU = BigInt.asUintN(64, hi);
      const loU = BigInt.asUintN(64, lo);
      const idU = BigInt.asUintN(64, spanId);
      if ((hiU === 0n && loU === 0n) || idU === 0n) {
        stats.drop("invalid-link");
        return;
      }
      span.addLink({
        context: {
          traceId: hex64(hiU) + hex64(loU),
          spanId: hex64(idU),
          traceFlags: flags & 0xff,
          isRemote: true,
        },
      });
    },
    "set-status": (handle: number, code: number, msgPtr: number, msgLen: number): void => {
      const message = readString(msgPtr, msgLen);
      if (code >>> 0 >= STATUS_CODES) invalidEnum("status-code", code);
      // OpenTelemetry ignores a description unless the status is ERROR.
      spanOf(handle)?.setStatus(code === 2 && message ? { code, message } : { code });
    },
    "end-span": (handle: number): void => endSpan(handle, clock.nowNs()),
    "end-span-at": (handle: number, end: bigint): void => endSpan(handle, instant(end)),
    sample: (decision: number): void => {
      if (decision >>> 0 > 1) invalidEnum("sampling-decision", decision);
      const call = ctx.call;
      if (call) call.request.sample(decision === 1);
      else stats.drop("no-request");
    },
  };
}
