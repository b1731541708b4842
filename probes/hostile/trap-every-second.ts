// Hostile: traps on every second call. A trap discards the instance, so the
// counter restarts at 0 on the fresh one: calls 1, 3, 5, ... succeed (each on
// a fresh instance after the first) and calls 2, 4, 6, ... trap. It never
// fails twice in a row, so it is never quarantined: every call is counted.
import { Span } from "../sdk/index";

let calls: u32 = 0;

export function init(): void {}

export function request(): void {
  calls++;
  if (calls % 2 == 0) unreachable();
  Span.start("second.ok").end();
}

export function response(): void {}
