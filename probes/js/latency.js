// Request latency, in JavaScript (componentize-js): one span per request from
// the moment the host received it to the response, named and attributed per
// the OpenTelemetry HTTP semantic conventions. Field for field the
// AssemblyScript examples/latency probe (test/languages/equivalence.test.ts).
import { method, receivedAt, route, status } from "sandprobe:probe/http@0.1.0";
import { endSpan, setAttributeInt, setAttributeString, setStatus, startSpanAt } from "sandprobe:probe/trace@0.1.0";

export function init() {}

export function request() {}

export function response() {
  const m = method();
  const r = route();
  const code = status();
  const span = startSpanAt(r.length > 0 ? `${m} ${r}` : m, "internal", 0, receivedAt());
  setAttributeString(span, "http.request.method", m);
  if (r.length > 0) setAttributeString(span, "http.route", r);
  setAttributeInt(span, "http.response.status_code", BigInt(code));
  if (code >= 500) setStatus(span, "error", "");
  endSpan(span);
}
