// Request latency, in Rust: one span per request from the moment the host
// received it to the response, named and attributed per the OpenTelemetry
// HTTP semantic conventions. Field for field the AssemblyScript
// examples/latency probe (test/languages/rust-probes.test.ts checks it).
#![no_std]

use sandprobe::{hook, Span, SpanKind, StatusCode};

/// The span name "METHOD /route", built without an allocator.
struct Name {
    buf: [u8; 512],
    len: usize,
}

impl Name {
    fn push(&mut self, s: &str) {
        // Whole characters only, so the name stays valid UTF-8 when it is cut.
        for c in s.chars() {
            let n = c.len_utf8();
            if self.len + n > self.buf.len() {
                return;
            }
            c.encode_utf8(&mut self.buf[self.len..]);
            self.len += n;
        }
    }
    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

hook!(init, |_h| {});

hook!(request, |_h| {});

hook!(response, |h| {
    let method = h.method();
    let route = h.route();
    let status = h.status();
    let mut name = Name { buf: [0; 512], len: 0 };
    name.push(method);
    if !route.is_empty() {
        name.push(" ");
        name.push(route);
    }
    let span = Span::start_at(name.as_str(), h.received_at(), SpanKind::Internal, None);
    span.set_string("http.request.method", method);
    if !route.is_empty() {
        span.set_string("http.route", route);
    }
    span.set_int("http.response.status_code", i64::from(status));
    if status >= 500 {
        span.set_status(StatusCode::Error, "");
    }
    span.end();
});
