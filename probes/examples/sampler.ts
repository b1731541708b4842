// Sampling decision: keep every trace on a critical path, and a fixed fraction
// of the rest chosen by a hash of the trace id. The hash is the one
// OpenTelemetry's TraceIdRatioBasedSampler uses (XOR of the trace id's four
// 32-bit words, kept when strictly below floor(ratio * 0xffffffff), or always
// at ratio 1), so this probe and an OpenTelemetry SDK agree on every trace id.
import { Span, SpanKind, http, trace } from "../sdk/index";

const RATIO: f64 = 0.25;
// As a u64 so that ratio 1 (bound 2^32) keeps every trace id.
const UPPER_BOUND: u64 = RATIO >= 1.0 ? 0x1_0000_0000 : <u64>Math.floor(RATIO * <f64>0xffffffff);

function isCritical(route: string): bool {
  return route.startsWith("/checkout") || route.startsWith("/payment");
}

export function init(): void {}

export function request(): void {
  const ctx = trace.currentContext();
  const critical = isCritical(http.route());
  let keep = critical;
  if (!keep) {
    const words = <u32>(ctx.traceIdHi >> 32) ^ <u32>ctx.traceIdHi ^ <u32>(ctx.traceIdLo >> 32) ^ <u32>ctx.traceIdLo;
    keep = (ctx.traceIdHi | ctx.traceIdLo) != 0 && <u64>words < UPPER_BOUND;
  }
  trace.sample(keep);
  if (keep) {
    const span = Span.start("sampling.decision", SpanKind.Internal);
    span.setBool("sampling.critical_path", critical);
    span.setFloat("sampling.ratio", RATIO);
    span.end();
  }
}

export function response(): void {}
