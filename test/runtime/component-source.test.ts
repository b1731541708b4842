import { readFile } from "node:fs/promises";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isSandprobeError, manualClock } from "../../host/index.js";
import { memoryTracing } from "../support/otel.js";
import { unsignedRuntime } from "../support/runtime.js";

// npm test builds build/components/ (jco embed + new) before running the tests.
test("the runtime loads a probe given as a component and runs its core module on the fast path", async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock: manualClock() });
  const component = new Uint8Array(await readFile("build/components/examples/latency.wasm"));
  assert.is(component[4], 0x0d, "a component preamble");
  const [info] = [await runtime.load(component)];
  assert.is(info.name, "latency");
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    traceFlags: 1,
    isRemote: true,
  });
  const scope = runtime.begin({ method: "GET", route: "/c", parent });
  scope.response(204);
  assert.is(tracing.byName("GET /c")[0]?.attributes["http.response.status_code"], 204);
});

test("a truncated component is refused with a typed error", async () => {
  const runtime = unsignedRuntime();
  const component = new Uint8Array(await readFile("build/components/examples/latency.wasm"));
  try {
    await runtime.load(component.subarray(0, component.length - 7));
    assert.unreachable();
  } catch (error) {
    assert.ok(isSandprobeError(error), String(error));
  }
});

test.run();
