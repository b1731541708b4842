// The host accepts a probe component: verify the signature of the whole
// component, then run its single core module on the fast path.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { manualClock } from "../../host/index.js";
import { fastPathModule, readComponentLayout } from "../../host/load/component/index.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { verifyProbe } from "../../host/trust/verify-probe.js";
import { COMPONENT_DIR } from "../../scripts/build-components.js";
import { memoryTracing } from "../support/otel.js";
import { unsignedRuntime } from "../support/runtime.js";
import { codeOf, openPolicy, testKey } from "../support/signing.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const component = new Uint8Array(await readFile(join(COMPONENT_DIR, "examples", "latency.wasm")));
const key = await testKey(1);
const signed = (await signModule(component, key)).bytes;

test("a signed component keeps the component preamble, with the signature section first", () => {
  assert.equal([...signed.subarray(0, 8)], [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);
  const first = readComponentLayout(signed).customSections[0];
  assert.is(first?.name, "signature");
});

test("the host verifies a signed component, then runs its core module on the fast path", async () => {
  const verified = await verifyProbe(signed, await openPolicy([key]));
  assert.is(verified.kind, "component");
  assert.is(verified.manifest.name, "latency");

  const tracing = memoryTracing();
  const clock = manualClock({ epochSeconds: 1_700_000_000, startNs: 5_000_000 });
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock });
  const info = await runtime.load(fastPathModule(verified.bytes));
  assert.is(info.name, "latency");

  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: "00f067aa0ba902b7",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  const scope = runtime.begin({ parent, method: "GET", route: "/users/:id", receivedAtNs: 1_000_000 });
  scope.request();
  scope.response(503);
  scope.end();
  assert.equal(scope.failures, []);
  const [span] = tracing.spans();
  assert.ok(span);
  assert.is(span.name, "GET /users/:id");
  assert.is(span.spanContext().traceId, TRACE_ID);
  assert.equal(span.attributes, {
    "http.request.method": "GET",
    "http.route": "/users/:id",
    "http.response.status_code": 503,
  });
  assert.equal(span.startTime, [1_700_000_000, 1_000_000]);
  assert.equal(span.endTime, [1_700_000_000, 5_000_000]);
});

test("a tampered core module inside a signed component is refused before anything is extracted", async () => {
  const policy = await openPolicy([key]);
  const layout = readComponentLayout(signed);
  const core = layout.coreModules[0]!;
  const tampered = signed.slice();
  // A byte in the middle of the probe's code.
  const at = Math.floor((core.start + core.end) / 2);
  tampered[at] = (tampered[at] as number) ^ 0x01;
  assert.is(await codeOf(() => verifyProbe(tampered, policy)), "E_SIGNATURE_INVALID");
});

test("an unsigned component, or one signed by an unknown key, is refused", async () => {
  const policy = await openPolicy([key]);
  assert.is(await codeOf(() => verifyProbe(component, policy)), "E_UNSIGNED");
  const stranger = (await signModule(component, await testKey(2))).bytes;
  assert.is(await codeOf(() => verifyProbe(stranger, policy)), "E_KEY_UNKNOWN");
});

test("a core module passes through fastPathModule unchanged", async () => {
  const core = new Uint8Array(await readFile(join("build/probes/examples", "latency.wasm")));
  assert.is(fastPathModule(core), core);
});

test.run();
