// Request latency: one SERVER-side span per request, from the moment the host
// received it to the response, named and attributed per the OpenTelemetry
// HTTP semantic conventions.
import { Span, SpanKind, StatusCode, http } from "../sdk/index";

// The span name of the last request: most requests repeat the method and
// route of an earlier one, so the name is only rebuilt when they change
// (a concatenation allocates twice in the guest, a comparison not at all).
let lastMethod = "";
let lastRoute = "";
let lastName = "";

export function init(): void {}

export function request(): void {}

export function response(): void {
  const method = http.method();
  const route = http.route();
  const status = http.status();
  if (method != lastMethod || route != lastRoute) {
    lastName = route.length > 0 ? method + " " + route : method;
    lastMethod = method;
    lastRoute = route;
  }
  const name = lastName;
  const span = Span.startAt(name, http.receivedAt(), SpanKind.Internal);
  span.setString("http.request.method", method);
  if (route.length > 0) span.setString("http.route", route);
  span.setInt("http.response.status_code", status);
  if (status >= 500) span.setStatus(StatusCode.Error);
  span.end();
}
