import { SpanKind } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pathOfRequestUrl, withProbesFetch } from "../../host/adapters/fetch.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

test("the path of a request's URL is what the URL parser says it is", () => {
  const inputs = [
    "http://example.test",
    "http://example.test/",
    "https://example.test/a/b?c=d#e",
    "http://example.test?q=/x",
    "http://example.test#/frag?x",
    "http://example.test/p#f?q",
    "http://example.test:8080/port/path",
    "HTTPS://EXAMPLE.test/Case/Kept",
    "http://[::1]:9/ipv6/",
    "http://user:p%40ss@example.test/creds",
    "http://a@b@example.test/at-in-user",
    "http://us/er@example.test/slash-ends-the-host",
    "http://example.test/a/./b/../c",
    "http://example.test/%2e%2e/x",
    "http://example.test/sp ace/ü/%41",
    "http://example.test\\back\\slash",
    "http://example.test/semi;colon/@at:colon",
    "https://example.test//double//slash",
    "http://example.test/?",
    "http://example.test/#",
    "file:///etc/hosts",
    "data:text/plain,hi",
  ];
  for (const input of inputs) {
    // What a Request's url holds in Node: the URL as the parser serializes it.
    const href = new URL(input).href;
    assert.is(pathOfRequestUrl(href), new URL(href).pathname, href);
  }
});

test("the path of a raw request URL (workerd: http:// + Host + request target) is the parser's too", () => {
  const parsed = (url: string) => {
    try {
      return new URL(url).pathname;
    } catch {
      return "throws";
    }
  };
  const ours = (url: string) => {
    try {
      return pathOfRequestUrl(url);
    } catch {
      return "throws";
    }
  };
  const raw = [
    "http://h/a/./b/../c",
    "http://h/%2e%2e/x",
    "http://h/.%2E/z",
    "http://h/a\\b",
    "http://h/\u00fc/\u{1F600}",
    "http://h/sp ace",
    "http://h/tab\there",
    'http://h/q"uote<>`{}',
    "http://h/__sandprobe/.",
    "http://h?x/__sandprobe",
    "http://h#x/__sandprobe",
    "http://h\\x/p",
    "http://h:1*",
    "http://h",
    "http://user@h/p",
    "http://h/a^b|c[d]e;f=g@h:i",
    "http://h/p?q=/./x#f",
    "http://h/p#f?q",
    "http://[::1]:8080/v6",
    "http://h:99999/bad-port",
  ];
  for (const url of raw) {
    const expected = parsed(url);
    // A URL the parser rejects (an invalid port or host) has no pathname: the fast path does not
    // validate the authority, so it may answer the text after it instead of throwing.
    if (expected === "throws") assert.ok(ours(url) === "throws" || ours(url).startsWith("/"), url);
    else assert.is(ours(url), expected, url);
  }
  assert.is(ours("http://h:99999/bad-port"), "/bad-port");
  assert.is(ours("http://h:1*"), "throws");
});

test("fetch handler: probes run, spans parented to the incoming trace, response keeps its body", async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider });
  await runtime.replaceAll([await probeBytes("examples", "latency"), await probeBytes("testing", "trap")]);
  const handler = withProbesFetch(
    runtime,
    async (request: Request) => new Response(`hello ${new URL(request.url).pathname}`),
    {
      route: () => "/hello/:name",
      traceResponse: true,
    },
  );
  const response = await handler(
    new Request("http://example.test/hello/ada", {
      headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03" },
    }),
  );
  assert.is(response.status, 200);
  assert.is(await response.text(), "hello /hello/ada");
  const [server] = tracing.spans().filter((s) => s.kind === SpanKind.SERVER);
  const [probe] = tracing.byName("GET /hello/:name").filter((s) => s.kind === SpanKind.INTERNAL);
  assert.ok(server && probe);
  assert.is(server.parentSpanContext?.spanId, "b7ad6b7169203331");
  assert.is(probe.parentSpanContext?.spanId, server.spanContext().spanId);
  // The random flag (0x02) the caller sent survives on the response.
  assert.match(response.headers.get("traceparent") ?? "", /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-0[23]$/);
});

test("a handler that throws still ends the probes' spans with status 500", async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider });
  await runtime.load(await probeBytes("examples", "latency"));
  const handler = withProbesFetch(runtime, () => {
    throw new Error("app bug");
  });
  try {
    await handler(new Request("http://example.test/x"));
    assert.unreachable();
  } catch (error) {
    assert.is((error as Error).message, "app bug");
  }
  const [probe] = tracing.byName("GET").filter((s) => s.kind === SpanKind.INTERNAL);
  assert.is(probe?.attributes["http.response.status_code"], 500);
});

test("trace headers go on an app-built response in place, and on a fetched (immutable) one through a copy", async () => {
  const runtime = unsignedRuntime({ tracerProvider: memoryTracing().provider });
  await runtime.load(await probeBytes("examples", "latency"));
  const incoming = { headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } };
  const built = new Response("built", { status: 201, headers: { "x-app": "1" } });
  const inPlace = await withProbesFetch(runtime, () => built, { traceResponse: true })(
    new Request("http://example.test/a", incoming),
  );
  assert.is(inPlace, built, "no copy when the headers are mutable");
  assert.match(inPlace.headers.get("traceparent") ?? "", /^00-0af7651916cd43dd8448eb211c80319c-/);
  // Response.redirect() makes a response whose headers are immutable, like fetch()'s.
  const immutable = Response.redirect("http://example.test/elsewhere", 302);
  const copied = await withProbesFetch(runtime, () => immutable, { traceResponse: true })(
    new Request("http://example.test/b", incoming),
  );
  assert.is.not(copied, immutable);
  assert.is(copied.status, 302);
  assert.is(copied.headers.get("location"), "http://example.test/elsewhere");
  assert.match(copied.headers.get("traceparent") ?? "", /^00-0af7651916cd43dd8448eb211c80319c-/);
});

test.run();
