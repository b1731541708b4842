// Benchmark probe: the floor (case 1). Loops that call an import returning an
// i32, an import returning an i64 (a BigInt in JavaScript), or nothing, so
// the cost of one wasm -> JS call can be read against the bare loop. The
// bench instantiates it with stub imports: only the crossing is timed.
import { http_received_at, http_status } from "../sdk/imports";

export function init(): void {}

export function request(): void {}

export function response(): void {}

/** An empty export: one JS -> wasm call. */
export function empty(): void {}

export function importLoop(n: i32): i32 {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += http_status();
  return sum;
}

export function importLoopI64(n: i32): i64 {
  let sum: i64 = 0;
  for (let i = 0; i < n; i++) sum += http_received_at();
  return sum;
}

/** The same loop without the call: the baseline of the two above. */
export function plainLoop(n: i32): i32 {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (i ^ (sum >>> 3)) & 1;
  return sum;
}
