import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { componentEmbed, componentNew, componentWit } from "@bytecodealliance/jco";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { extractCoreModule } from "../../host/load/component/index.js";
import { decodeManifest } from "../../host/world/manifest.js";
import {
  COMPONENT_DIR,
  expectedWorld,
  PROBE_DIR,
  parsePrintedWorld,
  worldProblems,
} from "../../scripts/build-components.js";

// npm test runs `npm run build:components` first: these check its output.
const examples = (await readdir(join(PROBE_DIR, "examples"))).filter((f) => f.endsWith(".wasm")).sort();
const expected = await expectedWorld();

test("the probe world jco builds from wit/ has the hooks and our interfaces", () => {
  assert.equal(expected.exports, ["init: func()", "request: func()", "response: func()"]);
  for (const name of [
    "sandprobe:probe/trace@0.1.0",
    "sandprobe:probe/http@0.1.0",
    "wasi:clocks/monotonic-clock@0.2.0",
  ]) {
    assert.ok(expected.imports.includes(name), name);
  }
});

test("every example probe builds into a component whose `jco wit` world matches wit/", async () => {
  assert.ok(examples.length >= 3, `only ${examples.length} example probes`);
  for (const file of examples) {
    const bytes = new Uint8Array(await readFile(join(COMPONENT_DIR, "examples", file)));
    assert.equal([...bytes.subarray(0, 8)], [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00], `${file} preamble`);
    const world = parsePrintedWorld(await componentWit(bytes));
    assert.equal(worldProblems(world, expected), [], file);
    assert.equal(world.exports, expected.exports, `${file} exports`);
    assert.ok(world.imports.includes("sandprobe:probe/trace@0.1.0"), `${file} imports trace`);
  }
});

test("jco keeps the probe's core module byte for byte, manifest section included", async () => {
  for (const file of examples) {
    const core = new Uint8Array(await readFile(join(PROBE_DIR, "examples", file)));
    const component = new Uint8Array(await readFile(join(COMPONENT_DIR, "examples", file)));
    const extracted = extractCoreModule(component);
    // wit-component only appends a `producers` custom section to the module.
    assert.equal(extracted.core.subarray(0, core.length), core, file);
    assert.is(extracted.manifestSource, "core");
    assert.is(decodeManifest(extracted.manifest as Uint8Array).name, file.replace(/\.wasm$/, ""));
  }
});

test("the world check names an extra export and an import outside the probe world", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sandprobe-world-"));
  try {
    await mkdir(join(dir, "deps"), { recursive: true });
    await writeFile(
      join(dir, "other.wit"),
      `package other:probe@0.1.0;
interface rng { next: func() -> u64; }
world probe {
  import rng;
  export init: func();
  export request: func();
  export response: func();
  export custom: func(x: u32);
}
`,
    );
    const embedded = await componentEmbed({ dummy: true, witPath: dir, world: "probe", stringEncoding: "utf16" });
    const world = parsePrintedWorld(await componentWit(await componentNew(embedded)));
    assert.equal(worldProblems(world, expected), [
      "unexpected export custom: func(x: u32)",
      "unexpected import other:probe/rng@0.1.0",
    ]);
    const missing = { imports: expected.imports, exports: ["init: func()"] };
    assert.equal(worldProblems(missing, expected), [
      "missing export request: func()",
      "missing export response: func()",
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("printed WIT without a world is refused", () => {
  assert.throws(() => parsePrintedWorld("package a:b;\ninterface x {}\n"), /no world/);
});

test.run();
