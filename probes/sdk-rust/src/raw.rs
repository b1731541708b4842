//! The raw imports: the probe world's core ABI (docs/abi.md), string-encoding=utf8.

use crate::SpanContext;

/// A string the host returned: pointer and byte length, in the arena.
#[repr(C)]
pub struct Str {
    pub ptr: *const u8,
    pub len: u32,
}

impl Default for Str {
    fn default() -> Str {
        Str { ptr: core::ptr::null(), len: 0 }
    }
}

impl Str {
    /// The host hands out valid UTF-8 (it encodes with TextEncoder) inside the arena.
    pub unsafe fn as_str<'a>(&self) -> &'a str {
        if self.len == 0 {
            return "";
        }
        core::str::from_utf8_unchecked(core::slice::from_raw_parts(self.ptr, self.len as usize))
    }
}

/// `option<string>`: a discriminant byte, then the string at offset 4.
#[repr(C)]
#[derive(Default)]
pub struct OptionStr {
    pub present: u8,
    pub value: Str,
}

/// `wasi:clocks/wall-clock.datetime`.
#[repr(C)]
#[derive(Default)]
pub struct Datetime {
    pub seconds: u64,
    pub nanoseconds: u32,
}

#[link(wasm_import_module = "wasi:clocks/monotonic-clock@0.2.0")]
extern "C" {
    #[link_name = "now"]
    pub fn clock_now() -> u64;
    #[link_name = "resolution"]
    pub fn clock_resolution() -> u64;
}

#[link(wasm_import_module = "wasi:clocks/wall-clock@0.2.0")]
extern "C" {
    #[link_name = "now"]
    pub fn wall_now(ret: *mut Datetime);
}

#[link(wasm_import_module = "sandprobe:probe/trace@0.1.0")]
extern "C" {
    #[link_name = "current-context"]
    pub fn current_context(ret: *mut SpanContext);
    #[link_name = "tracestate"]
    pub fn tracestate(ret: *mut Str);
    #[link_name = "start-span"]
    pub fn start_span(name: *const u8, name_len: u32, kind: i32, parent: u32) -> u32;
    #[link_name = "start-span-at"]
    pub fn start_span_at(name: *const u8, name_len: u32, kind: i32, parent: u32, start: u64) -> u32;
    #[link_name = "set-attribute-string"]
    pub fn set_attribute_string(span: u32, key: *const u8, key_len: u32, value: *const u8, value_len: u32);
    #[link_name = "set-attribute-int"]
    pub fn set_attribute_int(span: u32, key: *const u8, key_len: u32, value: i64);
    #[link_name = "set-attribute-float"]
    pub fn set_attribute_float(span: u32, key: *const u8, key_len: u32, value: f64);
    #[link_name = "set-attribute-bool"]
    pub fn set_attribute_bool(span: u32, key: *const u8, key_len: u32, value: i32);
    #[link_name = "add-event"]
    pub fn add_event(span: u32, name: *const u8, name_len: u32);
    #[link_name = "add-event-with-attribute"]
    pub fn add_event_with_attribute(
        span: u32,
        name: *const u8,
        name_len: u32,
        key: *const u8,
        key_len: u32,
        value: *const u8,
        value_len: u32,
    );
    #[link_name = "add-link"]
    pub fn add_link(span: u32, trace_id_hi: u64, trace_id_lo: u64, span_id: u64, trace_flags: i32);
    #[link_name = "set-status"]
    pub fn set_status(span: u32, code: i32, message: *const u8, message_len: u32);
    #[link_name = "end-span"]
    pub fn end_span(span: u32);
    #[link_name = "end-span-at"]
    pub fn end_span_at(span: u32, end: u64);
    #[link_name = "sample"]
    pub fn sample(decision: i32);
}

#[link(wasm_import_module = "sandprobe:probe/http@0.1.0")]
extern "C" {
    #[link_name = "method"]
    pub fn http_method(ret: *mut Str);
    #[link_name = "route"]
    pub fn http_route(ret: *mut Str);
    #[link_name = "status"]
    pub fn http_status() -> i32;
    #[link_name = "received-at"]
    pub fn http_received_at() -> u64;
    #[link_name = "header"]
    pub fn http_header(name: *const u8, name_len: u32, ret: *mut OptionStr);
}

#[link(wasm_import_module = "sandprobe:probe/metrics@0.1.0")]
extern "C" {
    #[link_name = "counter-add"]
    pub fn counter_add(
        name: *const u8,
        name_len: u32,
        value: f64,
        key: *const u8,
        key_len: u32,
        attr: *const u8,
        attr_len: u32,
    );
    #[link_name = "histogram-record"]
    pub fn histogram_record(
        name: *const u8,
        name_len: u32,
        value: f64,
        key: *const u8,
        key_len: u32,
        attr: *const u8,
        attr_len: u32,
    );
}

#[link(wasm_import_module = "sandprobe:probe/log@0.1.0")]
extern "C" {
    #[link_name = "log"]
    pub fn log(level: i32, message: *const u8, message_len: u32);
    #[link_name = "abort"]
    pub fn abort(message: *const u8, message_len: u32, file: *const u8, file_len: u32, line: u32, column: u32);
}
