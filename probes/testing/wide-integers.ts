// Test fixture: 64-bit integers across the host boundary (each crosses as
// an f64 in a sandboxed module, host/load/lower-i64.ts): int attributes at
// the edges of i64 and of a double's exact range, the request's arrival and
// the clock, and a span timed from them.
import { Span, SpanKind, clock, http } from "../sdk/index";

export function init(): void {}

export function request(): void {
  const arrived = http.receivedAt();
  const span = Span.startAt("wide", arrived, SpanKind.Internal);
  span
    .setInt("zero", 0)
    .setInt("minus-one", -1)
    .setInt("two-pow-32", 4_294_967_296)
    .setInt("max-safe", 9_007_199_254_740_991)
    .setInt("max-safe-plus-two", 9_007_199_254_740_993)
    .setInt("min", i64.MIN_VALUE)
    .setInt("max", i64.MAX_VALUE)
    .setInt("received-at", <i64>arrived)
    .setInt("now", <i64>clock.now())
    .setInt("resolution", <i64>clock.resolution());
  span.endAt(arrived + 1_000_001);
}
