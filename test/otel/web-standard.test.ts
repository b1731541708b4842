// The pipeline (sandprobe/telemetry) runs in edge workers too: it bundles for
// a browser platform, OTLP exporters included, with no Node built-in.
import { build } from "esbuild";
import { test } from "uvu";
import * as assert from "uvu/assert";

test("sandprobe/telemetry bundles for a browser platform without node: modules", async () => {
  const result = await build({
    entryPoints: ["dist/host/telemetry/index.js"],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    logLevel: "silent",
    metafile: true,
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(
    inputs.some((i) => i.includes("exporter-trace-otlp-proto")),
    "the OTLP exporters are in",
  );
  assert.equal(
    inputs.filter((i) => i.startsWith("node:")),
    [],
  );
});

test.run();
