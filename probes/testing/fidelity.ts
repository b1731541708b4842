// Exercises everything the host forwards to OpenTelemetry, for the OTLP
// round-trip tests: nested spans of several kinds, semantic-convention
// attributes, an event with an attribute, a link, an error status, more
// events than the SDK keeps (dropped count), a correlated log line, a
// counter and a histogram.
import { Span, SpanContext, SpanKind, StatusCode, http, log, metrics } from "../sdk/index";

export function init(): void {}

export function request(): void {
  const route = http.route();
  const outer = Span.start("probe.request", SpanKind.Internal);
  outer.setString("http.route", route);
  outer.setInt("probe.attempt", 3);
  outer.setFloat("probe.ratio", 0.25);
  outer.setBool("probe.cached", false);

  const lookup = Span.start("GET", SpanKind.Client, outer);
  lookup.setString("http.request.method", "GET");
  lookup.setString("server.address", "cache.internal");
  lookup.addEventWith("cache.miss", "cache.key", "user:42");
  lookup.addLink(new SpanContext(0x0af7651916cd43dd, 0x8448eb211c80319c, 0xb7ad6b7169203331, 1));
  lookup.addLink(new SpanContext(0, 0, 0, 0));
  lookup.setStatus(StatusCode.Error, "upstream timeout");
  lookup.end();

  const noisy = Span.start("probe.noisy", SpanKind.Producer, outer);
  for (let i = 0; i < 130; i++) noisy.addEvent("tick");
  noisy.end();

  log.warn("cache miss on " + route);
  metrics.add("probe.cache.misses", 1, "http.route", route);
  metrics.record("probe.lookup.duration", 0.25, "http.route", route);
  metrics.record("probe.lookup.duration", 0.75, "http.route", route);
  outer.setStatus(StatusCode.Ok);
  outer.end();
}

export function response(): void {}
