//! The sandprobe probe SDK for Rust: `no_std`, no allocator, no dependencies.
//!
//! The imports of the probe world (wit/probe.wit) lowered by the canonical
//! ABI with string-encoding=utf8 (docs/abi.md), and safe wrappers over them,
//! with the surface of the AssemblyScript and C SDKs.
//!
//! ```ignore
//! #![no_std]
//! use sandprobe::{hook, Span, SpanKind};
//! hook!(init, |_h| {});
//! hook!(response, |h| {
//!     let span = Span::start_at("work", h.received_at(), SpanKind::Internal, None);
//!     span.set_int("http.response.status_code", i64::from(h.status()));
//!     span.end();
//! });
//! ```
//!
//! Build: `rustc --target wasm32-unknown-unknown -C panic=abort`, the probe as a
//! `cdylib` against this crate as an `rlib` (npm run build:probes does it), and
//! `"stringEncoding": "utf8"` in the manifest. Strings the host returns
//! (method, route, headers, tracestate) are copied into a 16 KiB arena by
//! `cabi_realloc`; they borrow from the hook's [`Hook`], so they cannot outlive
//! the hook, and the arena is reset when the next hook starts.
#![no_std]

mod arena;
mod raw;

pub use arena::reset_arena;

/// OpenTelemetry SpanKind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanKind {
    Internal = 0,
    Server = 1,
    Client = 2,
    Producer = 3,
    Consumer = 4,
}

/// OpenTelemetry StatusCode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusCode {
    Unset = 0,
    Ok = 1,
    Error = 2,
}

/// A W3C trace context: the trace id as two big-endian halves, the parent span id, the flags.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpanContext {
    pub trace_id_hi: u64,
    pub trace_id_lo: u64,
    pub span_id: u64,
    pub trace_flags: u8,
}

impl SpanContext {
    /// Non-zero trace and span ids.
    pub fn is_valid(&self) -> bool {
        (self.trace_id_hi | self.trace_id_lo) != 0 && self.span_id != 0
    }
    pub fn is_sampled(&self) -> bool {
        self.trace_flags & 1 != 0
    }
}

#[inline]
fn parts(s: &str) -> (*const u8, u32) {
    (s.as_ptr(), s.len() as u32)
}

/// The monotonic and wall clocks.
pub mod clock {
    use crate::raw;

    /// Monotonic nanoseconds (the host's clock: the same one span times use).
    pub fn now() -> u64 {
        unsafe { raw::clock_now() }
    }
    pub fn resolution() -> u64 {
        unsafe { raw::clock_resolution() }
    }
    /// Wall-clock time in nanoseconds since the Unix epoch.
    pub fn wall_nanos() -> u64 {
        let mut ret = raw::Datetime::default();
        unsafe { raw::wall_now(&mut ret) };
        ret.seconds * 1_000_000_000 + u64::from(ret.nanoseconds)
    }
}

/// The context new top-level spans are parented to (all zero when there is none).
pub fn current_context() -> SpanContext {
    let mut ctx = SpanContext::default();
    unsafe { raw::current_context(&mut ctx) };
    ctx
}

/// Keep (true) or drop (false) the current request's trace.
pub fn sample(keep: bool) {
    unsafe { raw::sample(keep as i32) }
}

/// A span owned by the host (handle 0: the host refused to start it, and every call on it is a no-op there).
#[derive(Debug, PartialEq, Eq)]
pub struct Span(u32);

impl Span {
    /// Start a span now; `parent` None means the request's current context.
    pub fn start(name: &str, kind: SpanKind, parent: Option<&Span>) -> Span {
        let (p, n) = parts(name);
        Span(unsafe { raw::start_span(p, n, kind as i32, parent.map_or(0, |s| s.0)) })
    }
    /// Start a span at a monotonic-clock instant.
    pub fn start_at(name: &str, start: u64, kind: SpanKind, parent: Option<&Span>) -> Span {
        let (p, n) = parts(name);
        Span(unsafe { raw::start_span_at(p, n, kind as i32, parent.map_or(0, |s| s.0), start) })
    }
    pub fn handle(&self) -> u32 {
        self.0
    }
    pub fn set_string(&self, key: &str, value: &str) {
        let ((k, kn), (v, vn)) = (parts(key), parts(value));
        unsafe { raw::set_attribute_string(self.0, k, kn, v, vn) }
    }
    pub fn set_int(&self, key: &str, value: i64) {
        let (k, kn) = parts(key);
        unsafe { raw::set_attribute_int(self.0, k, kn, value) }
    }
    pub fn set_float(&self, key: &str, value: f64) {
        let (k, kn) = parts(key);
        unsafe { raw::set_attribute_float(self.0, k, kn, value) }
    }
    pub fn set_bool(&self, key: &str, value: bool) {
        let (k, kn) = parts(key);
        unsafe { raw::set_attribute_bool(self.0, k, kn, value as i32) }
    }
    /// Add an event now.
    pub fn add_event(&self, name: &str) {
        let (p, n) = parts(name);
        unsafe { raw::add_event(self.0, p, n) }
    }
    /// Add an event now with one string attribute (e.g. `exception.message`).
    pub fn add_event_with(&self, name: &str, key: &str, value: &str) {
        let ((p, n), (k, kn), (v, vn)) = (parts(name), parts(key), parts(value));
        unsafe { raw::add_event_with_attribute(self.0, p, n, k, kn, v, vn) }
    }
    /// Link to another span context (the host ignores an invalid one).
    pub fn add_link(&self, to: SpanContext) {
        unsafe { raw::add_link(self.0, to.trace_id_hi, to.trace_id_lo, to.span_id, i32::from(to.trace_flags)) }
    }
    pub fn set_status(&self, code: StatusCode, message: &str) {
        let (m, mn) = parts(message);
        unsafe { raw::set_status(self.0, code as i32, m, mn) }
    }
    /// End the span now.
    pub fn end(self) {
        unsafe { raw::end_span(self.0) }
    }
    /// End the span at a monotonic-clock instant.
    pub fn end_at(self, end: u64) {
        unsafe { raw::end_span_at(self.0, end) }
    }
}

/// The hook being run: the current request's facts, each needing a manifest
/// capability. Strings it returns live in the arena and borrow from it.
pub struct Hook {
    _private: (),
}

impl Hook {
    /// Made by [`hook!`] after resetting the arena; only one exists at a time.
    #[doc(hidden)]
    pub unsafe fn new() -> Hook {
        Hook { _private: () }
    }
    /// Request method, e.g. "GET" (capability `http.method`).
    pub fn method(&self) -> &str {
        let mut ret = raw::Str::default();
        unsafe {
            raw::http_method(&mut ret);
            ret.as_str()
        }
    }
    /// Matched route template, "" when unknown (capability `http.route`).
    pub fn route(&self) -> &str {
        let mut ret = raw::Str::default();
        unsafe {
            raw::http_route(&mut ret);
            ret.as_str()
        }
    }
    /// Response status code, 0 before the response hook (capability `http.status`).
    pub fn status(&self) -> u16 {
        unsafe { raw::http_status() as u16 }
    }
    /// When the host received the request, on the monotonic clock (capability `http.received-at`).
    pub fn received_at(&self) -> u64 {
        unsafe { raw::http_received_at() }
    }
    /// A request header the manifest allows (capability `http.header`).
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut ret = raw::OptionStr::default();
        let (p, n) = parts(name);
        unsafe {
            raw::http_header(p, n, &mut ret);
            if ret.present == 0 {
                None
            } else {
                Some(ret.value.as_str())
            }
        }
    }
    /// The request's W3C tracestate ("" when absent).
    pub fn tracestate(&self) -> &str {
        let mut ret = raw::Str::default();
        unsafe {
            raw::tracestate(&mut ret);
            ret.as_str()
        }
    }
}

/// Counters and histograms; one optional attribute per call (an empty key means none).
pub mod metrics {
    use crate::{parts, raw};

    pub fn counter_add(name: &str, value: f64, key: &str, attr: &str) {
        let ((n, nn), (k, kn), (a, an)) = (parts(name), parts(key), parts(attr));
        unsafe { raw::counter_add(n, nn, value, k, kn, a, an) }
    }
    pub fn histogram_record(name: &str, value: f64, key: &str, attr: &str) {
        let ((n, nn), (k, kn), (a, an)) = (parts(name), parts(key), parts(attr));
        unsafe { raw::histogram_record(n, nn, value, k, kn, a, an) }
    }
}

/// Capped log output.
pub mod log {
    use crate::{parts, raw};

    fn log(level: i32, message: &str) {
        let (m, n) = parts(message);
        unsafe { raw::log(level, m, n) }
    }
    pub fn trace(message: &str) {
        log(0, message)
    }
    pub fn debug(message: &str) {
        log(1, message)
    }
    pub fn info(message: &str) {
        log(2, message)
    }
    pub fn warn(message: &str) {
        log(3, message)
    }
    pub fn error(message: &str) {
        log(4, message)
    }
    /// Tell the host why, then trap.
    pub fn abort(message: &str) -> ! {
        let (m, n) = parts(message);
        unsafe { raw::abort(m, n, "".as_ptr(), 0, 0, 0) };
        core::arch::wasm32::unreachable()
    }
}

/// A panic is a trap the host contains; it is told the message first when it is a plain string.
#[cfg(not(test))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let message = info.payload().downcast_ref::<&str>().copied().unwrap_or("panic");
    log::abort(message)
}

/// Export a hook (`init`, `request`, `response`) as `() -> ()`, with a fresh arena:
/// `hook!(response, |h| { ... })`, where `h: &Hook`.
#[macro_export]
macro_rules! hook {
    ($name:ident, |$h:ident| $body:block) => {
        #[export_name = stringify!($name)]
        pub extern "C" fn $name() {
            $crate::reset_arena();
            let hook = unsafe { $crate::Hook::new() };
            let $h: &$crate::Hook = &hook;
            $body
        }
    };
}
