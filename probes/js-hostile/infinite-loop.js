// Hostile: a JavaScript hook that never returns. The interpreter runs it in
// wasm, so fuel must stop it like any other loop (E_FUEL_EXHAUSTED), and the
// request it rode on is unharmed.
import { endSpan, startSpan } from "sandprobe:probe/trace@0.1.0";

export function init() {}

export function request() {
  const span = startSpan("js.spin", "internal", 0);
  let n = 0;
  for (;;) n++;
  endSpan(span);
}

export function response() {}
