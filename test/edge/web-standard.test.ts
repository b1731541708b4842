// The core runs in any web-standard runtime (workerd, Deno, browsers): no
// Node built-ins, no Buffer, no process. Two independent checks: a scan of
// the host sources outside the Node-only places, and a browser-platform
// bundle of the public entry points that fails on any node: import.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { test } from "uvu";
import * as assert from "uvu/assert";

/** Node-only by design, each for a reason. */
const NODE_ONLY = [
  "host/cli/", // the command line: files, arguments, exit codes
  "host/adapters/node-http.ts", // the node:http adapter
  "host/adapters/otel-node.ts", // reads OTEL_* from process.env, writes JSON Lines files
  "host/adapters/node-fleet.ts", // watches a bundle file and keeps the version ledger in a file (node:fs)
];

const FORBIDDEN: readonly [RegExp, string][] = [
  [/\bfrom\s*["']node:/, "imports a node: module"],
  [/\bimport\s*\(\s*["']node:/, "imports a node: module"],
  [/\brequire\s*\(/, "calls require()"],
  [/\bBuffer\b/, "uses Buffer"],
  [/\bprocess\s*\./, "uses process"],
  [/\b__dirname\b|\b__filename\b/, "uses CommonJS paths"],
];

/** Source without comments, so prose may name what code may not use. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await tsFiles(path)));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

test("host sources outside the Node-only places use no node: modules, Buffer or process", async () => {
  const files = (await tsFiles("host")).filter((f) => !NODE_ONLY.some((n) => f === n || f.startsWith(n)));
  assert.ok(files.length > 50, `scanned ${files.length} files`);
  const problems: string[] = [];
  for (const file of files) {
    const lines = code(await readFile(file, "utf8")).split("\n");
    lines.forEach((line, i) => {
      for (const [pattern, what] of FORBIDDEN) if (pattern.test(line)) problems.push(`${file}:${i + 1} ${what}`);
    });
  }
  assert.equal(problems, [], problems.join("\n"));
});

test("the public entry points bundle for the browser platform with no node: import", async () => {
  const entries = [
    "host/index.js",
    "host/adapters/edge/index.js",
    "host/telemetry/edge-otlp.js",
    "host/adapters/fetch.js",
    "host/runtime/fleet/index.js",
  ];
  const result = await build({
    entryPoints: entries.map((e) => join("dist", e)),
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    outdir: "out",
    metafile: true,
    logLevel: "silent",
  }).catch((error: { errors?: { text: string }[] }) => {
    assert.unreachable(`esbuild refused: ${(error.errors ?? []).map((e) => e.text).join("; ")}`);
    throw error;
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((i) => i.includes("host/adapters/edge/worker.js")));
  assert.equal(
    inputs.filter((i) => i.startsWith("node:")),
    [],
  );
});

test("the scan would catch a violation", () => {
  const sample = code(
    `import { readFile } from "node:fs";\nconst b = Buffer.from("x"); // Buffer in a comment is fine`,
  );
  const hits = FORBIDDEN.filter(([pattern]) => pattern.test(sample)).map(([, what]) => what);
  assert.equal(hits, ["imports a node: module", "uses Buffer"]);
  assert.is(code("// process.exit()\n/* Buffer */ const x = 1;").includes("process"), false);
});

test.run();
