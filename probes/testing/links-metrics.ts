// Test fixture for the functions both hosts gained last: a link to the
// request's context and an invalid (all-zero) link, an event with an
// attribute, counters and histograms with and without an attribute, and
// the metric calls the host refuses (invalid name, negative increment).
import { Span, SpanContext, SpanKind, StatusCode, metrics, trace } from "../sdk/index";

export function init(): void {
  metrics.add("probe.inits", 1);
}

export function request(): void {
  const span = Span.start("linked", SpanKind.Internal);
  span.addLink(trace.currentContext())
    .addLink(new SpanContext(0, 0, 0, 0))
    .addLink(new SpanContext(0x0102030405060708, 0xf0e0d0c0b0a09080, 0x1122334455667788, 1))
    .addEventWith("exception", "exception.message", "ünïcode ✓ message")
    .addEvent("plain")
    .setStatus(StatusCode.Ok);
  span.end();
  metrics.add("probe.requests", 1);
  metrics.add("probe.requests", 2, "route", "/a");
  metrics.record("probe.latency", 12.5, "route", "/a");
  metrics.record("probe.latency", 7.25);
  metrics.add("9 invalid name", 1);
  metrics.add("probe.negative", -1);
  // An event on a handle that was never started.
  Span.of(99).addEventWith("never", "k", "v").addLink(trace.currentContext());
}

export function response(): void {
  metrics.record("probe.status", 1, "outcome", "ok");
}
