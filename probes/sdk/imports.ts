// Raw imports of the sandprobe probe world (wit/probe.wit), lowered by the
// canonical ABI with string-encoding=utf16: a string is (ptr, length in code
// units), enums/u8/u16/bool are i32, u64/s64 are i64, results wider than one
// value are written to a return area the caller passes last.
// Probe authors use the typed wrappers in index.ts instead.


@external("wasi:clocks/monotonic-clock@0.2.0", "now")
export declare function clock_now(): u64;
@external("wasi:clocks/monotonic-clock@0.2.0", "resolution")
export declare function clock_resolution(): u64;

@external("sandprobe:probe/trace@0.1.0", "current-context")
export declare function trace_current_context(ret: usize): void;
@external("sandprobe:probe/trace@0.1.0", "tracestate")
export declare function trace_tracestate(ret: usize): void;
@external("sandprobe:probe/trace@0.1.0", "start-span")
export declare function trace_start_span(name: usize, nameLen: usize, kind: i32, parent: u32): u32;
@external("sandprobe:probe/trace@0.1.0", "start-span-at")
export declare function trace_start_span_at(name: usize, nameLen: usize, kind: i32, parent: u32, start: u64): u32;
@external("sandprobe:probe/trace@0.1.0", "set-attribute-string")
export declare function trace_set_attribute_string(span: u32, key: usize, keyLen: usize, value: usize, valueLen: usize): void;
@external("sandprobe:probe/trace@0.1.0", "set-attribute-int")
export declare function trace_set_attribute_int(span: u32, key: usize, keyLen: usize, value: i64): void;
@external("sandprobe:probe/trace@0.1.0", "set-attribute-float")
export declare function trace_set_attribute_float(span: u32, key: usize, keyLen: usize, value: f64): void;
@external("sandprobe:probe/trace@0.1.0", "set-attribute-bool")
export declare function trace_set_attribute_bool(span: u32, key: usize, keyLen: usize, value: i32): void;
@external("sandprobe:probe/trace@0.1.0", "add-event")
export declare function trace_add_event(span: u32, name: usize, nameLen: usize): void;
@external("sandprobe:probe/trace@0.1.0", "add-event-with-attribute")
export declare function trace_add_event_with_attribute(span: u32, name: usize, nameLen: usize, key: usize, keyLen: usize, value: usize, valueLen: usize): void;
// add-link(span, link: span-context): the record flattens to its four fields.
@external("sandprobe:probe/trace@0.1.0", "add-link")
export declare function trace_add_link(span: u32, traceIdHi: u64, traceIdLo: u64, spanId: u64, traceFlags: i32): void;
@external("sandprobe:probe/trace@0.1.0", "set-status")
export declare function trace_set_status(span: u32, code: i32, message: usize, messageLen: usize): void;
@external("sandprobe:probe/trace@0.1.0", "end-span")
export declare function trace_end_span(span: u32): void;
@external("sandprobe:probe/trace@0.1.0", "end-span-at")
export declare function trace_end_span_at(span: u32, end: u64): void;
@external("sandprobe:probe/trace@0.1.0", "sample")
export declare function trace_sample(decision: i32): void;

@external("sandprobe:probe/http@0.1.0", "method")
export declare function http_method(ret: usize): void;
@external("sandprobe:probe/http@0.1.0", "route")
export declare function http_route(ret: usize): void;
@external("sandprobe:probe/http@0.1.0", "status")
export declare function http_status(): i32;
@external("sandprobe:probe/http@0.1.0", "received-at")
export declare function http_received_at(): u64;
@external("sandprobe:probe/http@0.1.0", "header")
export declare function http_header(name: usize, nameLen: usize, ret: usize): void;

@external("sandprobe:probe/metrics@0.1.0", "counter-add")
export declare function metrics_counter_add(name: usize, nameLen: usize, value: f64, key: usize, keyLen: usize, attrValue: usize, attrValueLen: usize): void;
@external("sandprobe:probe/metrics@0.1.0", "histogram-record")
export declare function metrics_histogram_record(name: usize, nameLen: usize, value: f64, key: usize, keyLen: usize, attrValue: usize, attrValueLen: usize): void;

@external("sandprobe:probe/log@0.1.0", "log")
export declare function log_log(level: i32, message: usize, messageLen: usize): void;
@external("sandprobe:probe/log@0.1.0", "abort")
export declare function log_abort(message: usize, messageLen: usize, file: usize, fileLen: usize, line: u32, column: u32): void;

@external("wasi:clocks/wall-clock@0.2.0", "now")
export declare function wall_now(ret: usize): void;
