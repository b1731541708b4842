// Sampling decision: keep every trace on a critical path, and a fixed fraction
// of the rest chosen by a hash of the trace id. The hash is the one
// OpenTelemetry's TraceIdRatioBasedSampler uses (XOR of the trace id's four
// 32-bit words, compared with floor(ratio * 0xffffffff)), so this probe and
// an OpenTelemetry SDK agree on every trace id.
import { Span, SpanKind, http, trace } from "../sdk/index";

const RATIO: f64 = 0.25;
const UPPER_BOUND: u32 = <u32>Math.floor(RATIO * <f64>0xffffffff);

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
    keep = words <= UPPER_BOUND;
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
