// host/'s layout holds, and the checker that `npm run check` runs would
// catch each rule being broken: an import up the layer list, a folder cycle,
// the OpenTelemetry SDK outside telemetry/, adapters/ and cli/.
import { readdir, readFile } from "node:fs/promises";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { importsOf, layoutProblems, readSources } from "../../scripts/check-layout.js";

const sources = await readSources("host");

test("host/ follows its layout: no import up the layer list, no SDK in the core", () => {
  assert.equal(layoutProblems(sources), []);
});

test("an import from a lower place to a higher one is refused, and so is the cycle it closes", () => {
  const broken = new Map(sources);
  broken.set("otel/leak.ts", `import { ProbeRuntime } from "../runtime/runtime.js";\nexport const x = ProbeRuntime;`);
  const problems = layoutProblems(broken);
  assert.ok(
    problems.some((p) => p.file === "otel/leak.ts" && /otel\/ may not depend on runtime\//.test(p.message)),
    JSON.stringify(problems),
  );
  assert.ok(
    problems.some((p) => /cycle/.test(p.message) && p.message.includes("otel") && p.message.includes("runtime")),
    "the cycle otel <-> runtime is named",
  );
});

test("the SDK or an exporter imported by the core is refused, even as a type; telemetry/ may import it", () => {
  const broken = new Map(sources);
  broken.set(
    "runtime/sdk.ts",
    `import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";\nexport type S = ReadableSpan;`,
  );
  broken.set("otel/export.ts", `export { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";`);
  broken.set(
    "telemetry/fine.ts",
    `import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";\nexport const p = BasicTracerProvider;`,
  );
  const files = layoutProblems(broken).map((p) => p.file);
  assert.ok(files.includes("runtime/sdk.ts"));
  assert.ok(files.includes("otel/export.ts"));
  assert.not.ok(files.includes("telemetry/fine.ts"));
});

test("imports are found in every form: static, type-only, re-export, dynamic; not in comments", () => {
  const specs = importsOf(
    `import a from "./a.js";\nimport type { B } from "./b.js";\nexport * from "./c.js";\nconst d = await import("./d.js");\n// import x from "./comment.js";\nimport "./side.js";`,
  );
  assert.equal(specs, ["./a.js", "./b.js", "./c.js", "./d.js", "./side.js"]);
});

test("host/ has at most 12 top-level entries, and the public entry at most 50 names", async () => {
  const entries = await readdir("host");
  assert.ok(entries.length <= 12, `host/ has ${entries.length} entries: ${entries.join(", ")}`);
  const index = await readFile("host/index.ts", "utf8");
  const names = [...index.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)].flatMap((m) =>
    (m[1] as string)
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean),
  );
  assert.not.match(index, /export \*/, "the public entry names what it exports");
  assert.ok(names.length <= 50, `host/index.ts exports ${names.length} names`);
  assert.ok(names.length >= 20, `found only ${names.length} names: the count is broken`);
});

test("every probe-world interface name and the hook list are spelled in exactly one host/ file", () => {
  const spelled = (pattern: RegExp) => [...sources].filter(([, text]) => pattern.test(text)).map(([file]) => file);
  for (const iface of ["trace", "http", "metrics", "log", "types"]) {
    assert.equal(spelled(new RegExp(`sandprobe:probe/${iface}`)), ["world/names.ts"], iface);
  }
  assert.equal(spelled(/wasi:clocks\/(monotonic|wall)-clock/), ["world/names.ts"]);
  assert.equal(spelled(/\[\s*"request",\s*"response"\s*\]/), ["world/names.ts"]);
});

test.run();
