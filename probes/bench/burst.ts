// Benchmark probe: span throughput (case 7). Each request hook emits
// SPANS_PER_CALL spans with two attributes each, so the host's span path,
// not the hook dispatch, dominates.
import { Span, SpanKind } from "../sdk/index";

const SPANS_PER_CALL = 10;

export function init(): void {}

export function request(): void {
  for (let i = 0; i < SPANS_PER_CALL; i++) {
    Span.start("burst.span", SpanKind.Internal).setInt("burst.index", i).setString("burst.kind", "bench").end();
  }
}

export function response(): void {}
