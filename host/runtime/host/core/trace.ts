import { SandprobeError } from "../../../errors.js";
import { isUnregistered } from "../../../otel/noop-spans.js";
import type { ProbeSemantics } from "../semantics.js";
import { type ProbeContext, readCountedString } from "./context.js";

/**
 * A u64 instant as a number when it is exactly one (always, for a monotonic
 * clock that started less than 104 days ago), else the BigInt itself: the
 * clock's epoch conversion takes either, and is cheaper with a number.
 */
function instant(ns: bigint): bigint | number {
  const n = Number(ns);
  return Number.isSafeInteger(n) ? n : ns;
}

/**
 * The value an f64 twin was passed, which the sandbox's conversion made from
 * an i64 (host/load/lower-i64.ts): an integer, not negative when unsigned.
 * Anything else means module code the sandbox did not write (a tampered
 * precompiled module), and traps like any other invalid lowering.
 */
function lowered(value: number, unsigned: boolean): number {
  if (Number.isInteger(value) && (!unsigned || value >= 0)) return value;
  throw new SandprobeError("E_PROBE_TRAP", `invalid 64-bit integer ${value} from an f64 twin`);
}

/**
 * The `trace` interface lowered: decode the (ptr, len) strings, call
 * the world's operation (host/runtime/host/semantics.ts), write any return area.
 *
 * Attribute keys and values, event names and status messages are decoded
 * only for a span that records: for any other span (unsampled, or no SDK
 * registered) they are bounds-checked and left in guest memory. Span names
 * are decoded whenever an SDK is registered: a sampler reads the name before
 * the span exists (repeated names come from GuestMemory's cache, no new
 * string). With none, the span is the API's no-op span (otel/noop-spans.ts).
 */
export function traceImports(ctx: ProbeContext, world: ProbeSemantics) {
  const { memory } = ctx;

  /**
   * A number or boolean attribute: its key decoded only for a span that
   * records. Integers are doubles, as OpenTelemetry JS numbers are: exact up
   * to 2^53 like every JS exporter.
   */
  const setAttributeValue = (handle: number, kp: number, kl: number, value: number | boolean): void => {
    const span = world.attributeTarget(handle);
    if (span === undefined) {
      memory.checkString(kp, kl);
      return;
    }
    span.setAttribute(readCountedString(ctx, kp, kl), value);
  };

  /**
   * A span's name: decoded while an SDK is registered (its sampler reads it
   * before the span exists); with none the span is the API's no-op span,
   * which has no name, so it is only bounds-checked. startSpan decides the
   * same way a moment later: nothing can register an SDK in between.
   */
  const spanName = (ptr: number, len: number): string => {
    if (!isUnregistered(ctx.tracerProvider)) return readCountedString(ctx, ptr, len);
    memory.checkString(ptr, len);
    return "";
  };

  return {
    "current-context": (ret: number): void => {
      const current = world.currentContext();
      // Ids are lower-case hex: a BigInt per half would cost ~10x more.
      memory.writeHexU64(ret, current.traceId, 0);
      memory.writeHexU64(ret + 8, current.traceId, 16);
      memory.writeHexU64(ret + 16, current.spanId, 0);
      memory.writeU8(ret + 24, current.traceFlags);
    },
    tracestate: (ret: number): void => {
      memory.writeStringResult(ret, world.tracestate());
    },
    // The clock is read inside startSpan, and only while an SDK is registered.
    "start-span": (namePtr: number, nameLen: number, kind: number, parent: number): number =>
      world.startSpan(spanName(namePtr, nameLen), kind, parent, undefined),
    "start-span-at": (namePtr: number, nameLen: number, kind: number, parent: number, start: bigint): number =>
      world.startSpan(spanName(namePtr, nameLen), kind, parent, instant(start)),
    // The `.f64` twins are what a sandboxed module calls (host/load/lower-i64.ts): the i64 arrives as a number.
    "start-span-at.f64": (namePtr: number, nameLen: number, kind: number, parent: number, start: number): number =>
      world.startSpan(spanName(namePtr, nameLen), kind, parent, lowered(start, true)),
    "set-attribute-string": (handle: number, kp: number, kl: number, vp: number, vl: number): void => {
      const span = world.attributeTarget(handle);
      if (span === undefined) {
        memory.checkString(kp, kl);
        memory.checkString(vp, vl);
        return;
      }
      const key = readCountedString(ctx, kp, kl);
      span.setAttribute(key, readCountedString(ctx, vp, vl));
    },
    "set-attribute-int": (handle: number, kp: number, kl: number, value: bigint): void => {
      setAttributeValue(handle, kp, kl, Number(value));
    },
    // f64.convert_i64_s rounded the value exactly as Number(bigint) does.
    "set-attribute-int.f64": (handle: number, kp: number, kl: number, value: number): void => {
      setAttributeValue(handle, kp, kl, lowered(value, false));
    },
    "set-attribute-float": (handle: number, kp: number, kl: number, value: number): void => {
      setAttributeValue(handle, kp, kl, value);
    },
    "set-attribute-bool": (handle: number, kp: number, kl: number, value: number): void => {
      setAttributeValue(handle, kp, kl, value !== 0);
    },
    "add-event": (handle: number, namePtr: number, nameLen: number): void => {
      const span = world.recordingSpan(handle);
      if (span === undefined) {
        memory.checkString(namePtr, nameLen);
        return;
      }
      world.addEventTo(span, readCountedString(ctx, namePtr, nameLen));
    },
    "add-event-with-attribute": (
      handle: number,
      np: number,
      nl: number,
      kp: number,
      kl: number,
      vp: number,
      vl: number,
    ): void => {
      const span = world.recordingSpan(handle);
      if (span === undefined) {
        memory.checkString(np, nl);
        memory.checkString(kp, kl);
        memory.checkString(vp, vl);
        return;
      }
      const name = readCountedString(ctx, np, nl);
      const key = readCountedString(ctx, kp, kl);
      world.addEventWithAttributeTo(span, name, key, readCountedString(ctx, vp, vl));
    },
    "add-link": (handle: number, hi: bigint, lo: bigint, spanId: bigint, flags: number): void => {
      world.addLink(handle, hi, lo, spanId, flags);
    },
    "set-status": (handle: number, code: number, msgPtr: number, msgLen: number): void => {
      const span = world.statusTarget(handle, code);
      if (span === undefined) {
        memory.checkString(msgPtr, msgLen);
        return;
      }
      world.setStatusOf(span, code, readCountedString(ctx, msgPtr, msgLen));
    },
    // The clock is read inside endSpan, and only for a span that records.
    "end-span": (handle: number): void => world.endSpan(handle, undefined),
    "end-span-at": (handle: number, end: bigint): void => world.endSpan(handle, instant(end)),
    "end-span-at.f64": (handle: number, end: number): void => world.endSpan(handle, lowered(end, true)),
    sample: (decision: number): void => world.sample(decision),
  };
}
