// Probes written in JavaScript, built by componentize-js (scripts/componentize-js.ts)
// into UTF-8 components that import only the probe world: verified, metered
// and limited on the fast path like any other probe, with field for field the
// spans of the AssemblyScript example.

import { readFile } from "node:fs/promises";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { admitProbe } from "../../host/load/admit.js";
import { INTERFACES, worldInterface } from "../../host/world/names.js";
import { witForCapabilities } from "../../scripts/componentize-js.js";
import { built, failuresOver, fields, parent, signedRuntime, spansOf } from "../support/languages.js";

/** A JavaScript hook runs an interpreter: ~2.3 M fuel per latency span, so the host grants more than the 500 000 default. */
const JS_LIMITS = { fuelPerHook: 10_000_000 };

test("the JavaScript latency probe runs on the fast path and exports field for field the AssemblyScript spans", async () => {
  const fromJs = await spansOf("components/js", "latency", JS_LIMITS);
  const fromAs = await spansOf("examples", "latency");
  assert.ok(fromAs.length >= 2, "the requests produce spans");
  assert.equal(fromJs.map(fields), fromAs.map(fields));
  assert.ok(
    fromJs.some((s) => s.name === "PUT /café/ü/日本"),
    "UTF-8 route intact",
  );
});

test("the component imports only the probe world, and from http only what its manifest grants", async () => {
  const admitted = admitProbe(await built("components/js", "latency"));
  assert.equal(admitted.manifest.capabilities, ["http.method", "http.route", "http.status", "http.received-at"]);
  const world = new Set<string>(Object.values(INTERFACES));
  for (const imp of admitted.module.imports) {
    if (imp.desc.kind !== "func") continue;
    assert.ok(world.has(worldInterface(imp.module) ?? imp.module), `${imp.module} is in the world`);
  }
  const http = admitted.module.imports.filter((i) => i.module === INTERFACES.http).map((i) => i.name);
  assert.equal(http.sort(), ["method", "received-at", "route", "status"]);
  const hostile = admitProbe(await built("components/js-hostile", "infinite-loop"));
  assert.is(hostile.module.imports.filter((i) => i.module === INTERFACES.http).length, 0, "no capability, no http");
});

test("with the default 1 ms budget the JavaScript probe is stopped by fuel, and the request keeps its AssemblyScript span", async () => {
  const { runtime, tracing } = await signedRuntime([
    await built("components/js", "latency"),
    await built("testing", "timing"),
  ]);
  const scope = runtime.begin({ method: "GET", route: "/", parent });
  scope.request();
  scope.response(200);
  scope.end();
  assert.equal(
    scope.failures.map((f) => `${f.probe}: ${f.error.code}`),
    ["latency: E_FUEL_EXHAUSTED"],
  );
  assert.is(tracing.byName("timed.parent").length, 1);
});

test("JavaScript hostile infinite loop: E_FUEL_EXHAUSTED on every call until quarantined; the neighbour loses no span", async () => {
  const { runtime, tracing } = await signedRuntime(
    [await built("components/js-hostile", "infinite-loop"), await built("testing", "timing")],
    JS_LIMITS,
  );
  const failures = failuresOver(runtime, 6);
  assert.ok(failures.length >= 2, `it failed: ${failures.join(", ")}`);
  assert.ok(
    failures.every((f) => f === "js-infinite-loop: E_FUEL_EXHAUSTED"),
    failures.join(", "),
  );
  assert.ok((runtime.stats()["js-infinite-loop"]?.quarantines ?? 0) >= 1, "quarantined");
  assert.is(tracing.byName("timed.parent").length, 6);
  // What the probe started before it was stopped is not lost: the host ends it, marked.
  const spun = tracing.byName("js.spin");
  assert.is(spun.length, failures.length);
  assert.ok(spun.every((s) => s.attributes["sandprobe.span.unended"] === true));
});

test("the per-probe WIT keeps only granted http functions, with their doc comments", async () => {
  const wit = await readFile("wit/probe.wit", "utf8");
  const reduced = witForCapabilities(wit, ["http.route"]);
  assert.match(reduced, /route: func\(\) -> string;/);
  assert.match(reduced, /Matched route template/);
  for (const gone of [
    /^\s*method: func/m,
    /^\s*status: func/m,
    /received-at: func/,
    /header: func/,
    /Request method/,
  ]) {
    assert.not.match(reduced, gone);
  }
  // Outside http nothing changes.
  assert.is(reduced.slice(0, wit.indexOf("interface http")), wit.slice(0, wit.indexOf("interface http")));
  assert.match(reduced, /start-span: func/);
  assert.throws(() => witForCapabilities(wit.replace("route: func", "referer: func"), []), /referer/);
});

test.run();
