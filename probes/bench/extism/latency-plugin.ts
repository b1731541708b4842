// The latency probe's logic as an Extism plugin (case 8 of the benchmarks),
// built from source by the bench with asc and @extism/as-pdk. Extism has no
// request context, so the request facts arrive as the call's input
// ("METHOD\nROUTE\nSTATUS\nRECEIVED_AT_NS"); spans go out through host
// functions the bench provides, one call per span operation, like sandprobe's.
import { Host, Memory } from "../../../node_modules/@extism/as-pdk/index";

@external("extism:host/user", "span_start")
declare function span_start(name: u64, startNs: u64): u64;
@external("extism:host/user", "span_attr_str")
declare function span_attr_str(span: u64, key: u64, value: u64): void;
@external("extism:host/user", "span_attr_int")
declare function span_attr_int(span: u64, key: u64, value: i64): void;
@external("extism:host/user", "span_end")
declare function span_end(span: u64): void;

export function noop(): i32 {
  return 0;
}

export function latency(): i32 {
  const fields = Host.inputString().split("\n");
  const method = fields[0];
  const route = fields[1];
  const status = I32.parseInt(fields[2]);
  const received = U64.parseInt(fields[3]);
  const name = route.length > 0 ? method + " " + route : method;
  const span = span_start(Memory.allocateString(name).offset, received);
  span_attr_str(span, Memory.allocateString("http.request.method").offset, Memory.allocateString(method).offset);
  if (route.length > 0) {
    span_attr_str(span, Memory.allocateString("http.route").offset, Memory.allocateString(route).offset);
  }
  span_attr_int(span, Memory.allocateString("http.response.status_code").offset, status);
  span_end(span);
  return 0;
}

export function pluginAbort(message: string | null, file: string | null, line: u32, column: u32): void {
  unreachable();
}
