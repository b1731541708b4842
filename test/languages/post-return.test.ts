// What probes from toolchains other than AssemblyScript rely on: the host
// calls an export's post-return function (`cabi_post_<name>`), and a world
// interface imported at a newer, semver-compatible WASI version links to the
// world's own. componentize-js components need both on the fast path.

import { readFile } from "node:fs/promises";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { manualClock } from "../../host/clock/clock.js";
import { admitProbe } from "../../host/load/admit.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { coreImport } from "../../host/world/core-abi.js";
import { INTERFACES, worldInterface } from "../../host/world/names.js";
import { memoryTracing } from "../support/otel.js";
import { codeOf, openPolicy, testKey } from "../support/signing.js";

const PROBE = "build/probes/c-testing/post-return.wasm";

test("the host runs cabi_post_request after every request, and the 0.2.10 clock is the host's", async () => {
  const key = await testKey(1);
  const tracing = memoryTracing();
  const clock = manualClock();
  const runtime = new ProbeRuntime({ trust: await openPolicy([key]), tracerProvider: tracing.provider, clock });
  await runtime.load((await signModule(new Uint8Array(await readFile(PROBE)), key)).bytes);
  const starts: number[] = [];
  for (let i = 0; i < 3; i++) {
    clock.advance(1_000_000);
    starts.push(clock.nowNs());
    const scope = runtime.begin({ method: "GET", route: "/", receivedAtNs: clock.nowNs() });
    scope.request();
    scope.end();
  }
  const spans = tracing.spans();
  assert.equal(
    spans.map((s) => s.attributes["post_returns.before"]),
    [0, 1, 2],
  );
  assert.equal(
    spans.map((s) => s.startTime),
    starts.map((ns) => clock.toEpoch(ns)),
  );
  assert.is(runtime.stats()["post-return"]?.failures, 0);
});

test("a compatible version maps to the world's interface; other versions and names do not", () => {
  assert.is(worldInterface("wasi:clocks/monotonic-clock@0.2.10"), INTERFACES.monotonicClock);
  assert.is(worldInterface("wasi:clocks/wall-clock@0.2.3"), INTERFACES.wallClock);
  assert.is(worldInterface(INTERFACES.trace), INTERFACES.trace);
  for (const other of [
    "wasi:clocks/monotonic-clock@0.3.0",
    "wasi:clocks/monotonic-clock@1.2.0",
    "wasi:clocks/monotonic-clock@0.2",
    "wasi:clocks/monotonic-clock",
    "sandprobe:probe/trace@0.2.0",
    "wasi:filesystem/types@0.2.0",
  ]) {
    assert.is(worldInterface(other), undefined, other);
  }
  // Functions are still checked one by one: the compatible interface offers only the world's.
  assert.ok(coreImport("wasi:clocks/monotonic-clock@0.2.10", "now"));
  assert.is(coreImport("wasi:clocks/monotonic-clock@0.2.10", "subscribe-duration"), undefined);
  assert.is(coreImport("wasi:clocks/monotonic-clock@0.3.0", "now"), undefined);
});

test("a post-return function with parameters is refused before load", async () => {
  const bytes = new Uint8Array(await readFile("build/probes/c-testing/bad-post-return.wasm"));
  assert.is(await codeOf(() => admitProbe(bytes)), "E_EXPORT_MISSING");
});

test.run();
