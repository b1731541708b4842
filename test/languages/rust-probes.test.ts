// Probes written in Rust against probes/sdk-rust (no_std), built by
// `npm run build:probes` with Debian's rustc for wasm32 (scripts/rustc.ts):
// signed, verified, metered and limited like the others, with field for
// field the spans of the AssemblyScript example, as a core module and as a
// UTF-8 component. Without a rustc for wasm32 the build skips them; then the
// only test here checks that the skip was justified (and .ci/run, which
// installs rustc, sets SANDPROBE_REQUIRE_RUST so a missing probe fails).

import { existsSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { admitProbe } from "../../host/load/admit.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { findRustc } from "../../scripts/rustc.js";
import { built, fields, spansOf } from "../support/languages.js";
import { codeOf, openPolicy, testKey } from "../support/signing.js";

const BUILT = existsSync("build/probes/rust/latency.wasm");

if (!BUILT) {
  test("Rust probes are skipped only when there is no rustc for wasm32, and never in CI", async () => {
    assert.is(
      process.env.SANDPROBE_REQUIRE_RUST,
      undefined,
      "SANDPROBE_REQUIRE_RUST is set: the Rust probes must be built",
    );
    assert.is(
      await findRustc(),
      undefined,
      "a rustc for wasm32 exists, yet build/probes/rust/latency.wasm was not built",
    );
    console.warn("rust-probes: skipped, no rustc with the wasm32 standard library (see docs/languages.md)");
  });
} else {
  test("the Rust latency probe exports field for field the spans of the AssemblyScript one", async () => {
    const fromRust = await spansOf("rust", "latency");
    const fromAs = await spansOf("examples", "latency");
    assert.ok(fromAs.length >= 2, "the requests produce spans");
    assert.equal(fromRust.map(fields), fromAs.map(fields));
    assert.ok(
      fromRust.some((s) => s.name === "PUT /café/ü/日本"),
      "UTF-8 route intact",
    );
  });

  test("the Rust latency probe as a UTF-8 component (jco new) runs on the fast path with the same spans", async () => {
    const fromComponent = await spansOf("components/rust", "latency");
    const fromAs = await spansOf("examples", "latency");
    assert.equal(fromComponent.map(fields), fromAs.map(fields));
  });

  test("the Rust probe imports only what it uses, exports the world's hooks and cabi_realloc, and is refused unsigned", async () => {
    const admitted = admitProbe(await built("rust", "latency"));
    assert.equal(admitted.hooks, ["response"]);
    const exports = admitted.module.exports.map((e) => e.name);
    for (const name of ["init", "request", "response", "cabi_realloc", "memory"])
      assert.ok(exports.includes(name), name);
    const runtime = new ProbeRuntime({ trust: await openPolicy([await testKey(1)]) });
    assert.is(await codeOf(async () => runtime.load(await built("rust", "latency"))), "E_UNSIGNED");
  });
}

test.run();
