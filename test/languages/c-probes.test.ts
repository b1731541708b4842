// Probes written in C against probes/sdk-c/sandprobe.h, built by
// `npm run build:probes` with @yowasp/clang: signed, verified, metered and
// limited like the AssemblyScript ones, their UTF-8 strings read on the fast
// path, and field for field the same spans as the AssemblyScript examples.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { built, failuresOver, fields, signedRuntime, spansOf } from "../support/languages.js";
import { codeOf, openPolicy, testKey } from "../support/signing.js";

for (const name of ["latency", "slow-detector"]) {
  test(`${name}: the C probe exports field for field the spans of the AssemblyScript one`, async () => {
    const fromC = await spansOf("c", name);
    const fromAs = await spansOf("examples", name);
    assert.ok(fromAs.length >= 2, "the requests produce spans");
    assert.equal(fromC.map(fields), fromAs.map(fields));
  });
}

test("the C latency probe as a UTF-8 component (jco new, canon utf8) runs on the fast path with the same spans", async () => {
  const fromComponent = await spansOf("components/c", "latency");
  const fromAs = await spansOf("examples", "latency");
  assert.equal(fromComponent.map(fields), fromAs.map(fields));
});

test("UTF-8 strings cross as they are: a non-ASCII route reaches the span name and attribute unchanged", async () => {
  const spans = await spansOf("c", "latency");
  const span = spans.find((s) => s.attributes["http.route"] === "/café/ü/日本");
  assert.ok(span, "the route arrived intact");
  assert.is(span.name, "PUT /café/ü/日本");
});

test("a C probe is refused unsigned by the default runtime, like any other (E_UNSIGNED)", async () => {
  const runtime = new ProbeRuntime({ trust: await openPolicy([await testKey(1)]) });
  assert.is(await codeOf(async () => runtime.load(await built("c", "latency"))), "E_UNSIGNED");
});

const HOSTILE: ReadonlyArray<readonly [name: string, code: string]> = [
  ["infinite-loop", "E_FUEL_EXHAUSTED"],
  ["memory-bomb", "E_PROBE_TRAP"],
  ["bad-pointer", "E_GUEST_MEMORY"],
];

for (const [name, code] of HOSTILE) {
  test(`C hostile ${name}: ${code} on every call until quarantined; the AssemblyScript neighbour loses no span`, async () => {
    const { runtime, tracing } = await signedRuntime([
      await built("c-hostile", name),
      await built("testing", "timing"),
    ]);
    const failures = failuresOver(runtime, 8);
    assert.ok(failures.length >= 2, `it failed: ${failures.join(", ")}`);
    assert.ok(
      failures.every((f) => f === `${name}: ${code}`),
      failures.join(", "),
    );
    assert.ok((runtime.stats()[name]?.quarantines ?? 0) >= 1, "quarantined");
    assert.is(tracing.byName("timed.parent").length, 8);
    assert.is(runtime.stats().timing?.failures, 0);
  });
}

test.run();
