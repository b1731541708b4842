// Test fixture: a probe that rewrites its own data segment. The span name,
// an attribute key and its value are string literals at fixed addresses;
// before each span the probe changes one code unit of each in place (same
// address, same length), so a host that reused text it decoded earlier
// would export stale values. The value's changed unit (index 2) is one the
// host's content hash does not sample: only a full compare notices it.
import { Span } from "../sdk/index";
import { trace_set_attribute_string } from "../sdk/imports";

const NAME = "rewrite-0";
const KEY = "key-0";
const VALUE = "va0ue";
let n: i32 = 0;

export function init(): void {}

export function response(): void {
  n = (n + 1) % 10;
  const digit = <u16>(48 + n);
  store<u16>(changetype<usize>(NAME) + 16, digit);
  store<u16>(changetype<usize>(KEY) + 8, digit);
  store<u16>(changetype<usize>(VALUE) + 4, digit);
  const span = Span.start(NAME);
  span.setString(KEY, VALUE);
  span.end();
}

// A key far outside memory on a span the host may not record: the host must
// refuse it (trap) whether or not the span records.
export function request(): void {
  const span = Span.start("bad-key");
  trace_set_attribute_string(span.handle, <usize>0x7ffffff0, 64, changetype<usize>(VALUE), 5);
  span.end();
}
