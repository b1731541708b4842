// Test fixture: fails in different ways so the host's containment can be checked.
import { Span } from "../sdk/index";

let calls: u32 = 0;

export function init(): void {}

export function request(): void {
  calls++;
  const span = Span.start("before.trap");
  span.end();
  if (calls % 2 == 1) throw new Error("boom on odd call");
}

export function response(): void {
  // Out-of-bounds load: a real WebAssembly trap.
  const p: usize = <usize>0xfffffff0;
  calls += load<u32>(p);
}
