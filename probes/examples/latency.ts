// Request latency: one SERVER-side span per request, from the moment the host
// received it to the response, named and attributed per the OpenTelemetry
// HTTP semantic conventions.
import { Span, SpanKind, StatusCode, http } from "../sdk/index";

export function init(): void {}

export function request(): void {}

export function response(): void {
  const method = http.method();
  const route = http.route();
  const status = http.status();
  const name = route.length > 0 ? method + " " + route : method;
  const span = Span.startAt(name, http.receivedAt(), SpanKind.Internal);
  span.setString("http.request.method", method);
  if (route.length > 0) span.setString("http.route", route);
  span.setInt("http.response.status_code", status);
  if (status >= 500) span.setStatus(StatusCode.Error);
  span.end();
}
