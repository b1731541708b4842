// Slow-request and error detector: for requests slower than the threshold or
// answered with a 5xx, emit one span covering the request, marked with an
// ERROR status and an event saying why; fast, successful requests cost no span.
import { Span, SpanKind, StatusCode, clock, http } from "../sdk/index";

/** Requests slower than this are reported (nanoseconds). */
const SLOW_NS: u64 = 250_000_000;

export function init(): void {}

export function request(): void {}

export function response(): void {
  const status = http.status();
  const start = http.receivedAt();
  const end = clock.now();
  const duration = end - start;
  const slow = duration > SLOW_NS;
  const failed = status >= 500;
  if (!slow && !failed) return;

  const span = Span.startAt("request.anomaly", start, SpanKind.Internal);
  span.setString("http.route", http.route());
  span.setInt("http.response.status_code", status);
  span.setFloat("http.server.request.duration", <f64>duration / 1e9);
  span.setBool("sandprobe.slow", slow);
  if (slow) span.addEvent("slow_request");
  if (failed) span.addEvent("server_error");
  span.setStatus(StatusCode.Error, failed ? "server error" : "slow request");
  span.endAt(end);
}
