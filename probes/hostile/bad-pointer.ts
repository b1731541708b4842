// Hostile: hands the host a (ptr, len) outside its own memory when calling an
// import, hoping the host reads or writes out of bounds.
import { trace_start_span, trace_current_context } from "../sdk/imports";

export function init(): void {}

export function request(): void {
  // A span name "at" the last bytes of the 4 GiB address space.
  trace_start_span(<usize>0xfffffff0, 0x7fffffff, 0, 0);
}

export function response(): void {
  // A return area far past the end of memory.
  trace_current_context(<usize>0x7ffffff0);
}
