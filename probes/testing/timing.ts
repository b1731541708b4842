// Test fixture: spans at exact monotonic instants, every attribute type,
// a child span, an event and a status, so tests can check each field.
import { Span, SpanKind, StatusCode, trace, http, log } from "../sdk/index";

/** Starts at a time with every nanosecond digit set. */
const T0: u64 = 5_000_123_456_789;

export function init(): void {}

export function request(): void {
  const parent = Span.startAt("timed.parent", T0, SpanKind.Server);
  parent.setString("text", "héllo ✓")
    .setInt("int", -42)
    .setFloat("float", 2.5)
    .setBool("flag", true)
    .addEvent("checkpoint")
    .setStatus(StatusCode.Error, "bad thing");
  const child = Span.startAt("timed.child", T0 + 1_000, SpanKind.Client, parent);
  child.endAt(T0 + 1_234_567);
  parent.endAt(T0 + 2_000_000_001);
  log.info("tracestate=" + trace.tracestate());
  const agent = http.header("user-agent");
  log.info("ua=" + (agent ? agent! : "<none>"));
  const denied = http.header("authorization");
  log.info("auth=" + (denied ? denied! : "<none>"));
}

export function response(): void {
  // Leaves a span open: the host must end it when the request ends.
  Span.start("left.open");
}
