// Hostile: sets a million attributes on one span per call, hoping the host
// keeps them or spends unbounded time on them. The host keeps
// `attributesPerSpan` and counts the rest (`attribute-quota`); every import
// call costs fuel, so the call is stopped before it costs the request much.
import { Span } from "../sdk/index";

const ATTRIBUTES: i32 = 1_000_000;

export function init(): void {}

export function request(): void {
  const span = Span.start("attribute.flood");
  for (let i = 0; i < ATTRIBUTES; i++) span.setInt("n", i);
  span.end();
}

export function response(): void {}
