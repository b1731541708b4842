// Tail sampling at the edge: decided when the response is ready, so it can
// look at how the request went. Every failed (5xx) or slow request is kept
// whole; for the rest the probe makes no decision and the host applies its
// configured TraceID ratio. With the host's tail sampling on, all spans of
// the request (the server span, every probe's spans) are held until this
// decision and then exported or dropped together.
import { Span, SpanKind, clock, http, trace } from "../sdk/index";

/** Requests slower than this are kept (nanoseconds). */
const SLOW_NS: u64 = 500_000_000;

export function init(): void {}

export function request(): void {}

export function response(): void {
  const status = http.status();
  const start = http.receivedAt();
  const end = clock.now();
  const failed = status >= 500;
  const slow = end - start > SLOW_NS;
  if (!failed && !slow) return;
  trace.sample(true);
  const span = Span.startAt("sampling.tail_decision", start, SpanKind.Internal);
  span.setString("sampling.reason", failed ? "error" : "slow");
  span.endAt(end);
}
