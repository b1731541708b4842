import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { componentEmbed, componentNew } from "@bytecodealliance/jco";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isSandprobeError } from "../../host/errors.js";
import { admitProbe } from "../../host/load/admit.js";
import { extractCoreModule, findComponentManifest, readComponentLayout } from "../../host/load/component/index.js";
import { concatBytes, encodeCustomSection, encodeSection } from "../../host/wasm/encode.js";
import { customSections, readSections } from "../../host/wasm/sections.js";
import { FAST_PATH_INTERFACES } from "../../host/world/core-abi.js";
import { MANIFEST_SECTION } from "../../host/world/manifest.js";
import { COMPONENT_DIR } from "../../scripts/build-components.js";
import {
  COMPONENT_PREAMBLE,
  component,
  coreModule,
  coreModuleSection,
  instanceImports,
} from "../support/components.js";
import { seededBytes } from "../support/probes.js";

const built = new Uint8Array(await readFile(join(COMPONENT_DIR, "examples", "latency.wasm")));
/** The component as `jco new` made it: the build's top-level copy of the manifest removed. */
const latency = component(
  readSections(built)
    .filter((s) => s.name !== MANIFEST_SECTION)
    .map((s) => built.subarray(s.start, s.end)),
);
const TRACE = "sandprobe:probe/trace@0.1.0";

function refused(run: () => unknown, code: string, pattern: RegExp): Record<string, unknown> {
  try {
    run();
  } catch (error) {
    assert.ok(isSandprobeError(error), String(error));
    assert.is(error.code, code, error.message);
    assert.match(error.message, pattern);
    return error.detail as Record<string, unknown>;
  }
  assert.unreachable("accepted");
  return {};
}

/** The latency component with its core module's manifest moved to the component's top level. */
function manifestAtTopLevel(): { component: Uint8Array; manifest: Uint8Array } {
  const layout = readComponentLayout(latency);
  const range = layout.coreModules[0]!;
  const core = latency.subarray(range.start, range.end);
  const sections = readSections(core);
  const manifest = customSections(core, sections, MANIFEST_SECTION)[0]!;
  const stripped = concatBytes([
    core.subarray(0, 8),
    ...sections.filter((s) => s.name !== MANIFEST_SECTION).map((s) => core.subarray(s.start, s.end)),
  ]);
  // Rebuild the component with the stripped module in place of the original.
  const top = readSections(latency);
  const rebuilt = top.map((s) =>
    s.payloadStart === range.start ? coreModuleSection(stripped) : latency.subarray(s.start, s.end),
  );
  return {
    component: component([...rebuilt, encodeCustomSection(MANIFEST_SECTION, manifest)]),
    manifest,
  };
}

test("the build carries the manifest both in the core module and, identical, at the top level", () => {
  assert.equal(readComponentLayout(built).customSections.filter((s) => s.name === MANIFEST_SECTION).length, 1);
  assert.equal(readComponentLayout(latency).customSections.filter((s) => s.name === MANIFEST_SECTION).length, 0);
  const result = extractCoreModule(built);
  assert.is(result.manifestSource, "core");
  assert.equal(findComponentManifest(built), result.manifest);
});

test("reads a jco component's layout: three core modules, our imports, the hooks", () => {
  const layout = readComponentLayout(latency);
  assert.is(layout.coreModules.length, 3);
  assert.is(layout.nestedComponents, 0);
  assert.ok(layout.imports.some((i) => i.name === TRACE && i.kind === "instance"));
  assert.equal(
    layout.exports.map((e) => `${e.name}:${e.kind}`),
    ["init:func", "request:func", "response:func"],
  );
});

test("extracts the one real core module and skips wit-component's shim and fixup", () => {
  const result = extractCoreModule(latency);
  assert.is(result.glueModules, 2);
  assert.is(result.coreRange.index, 0);
  const admitted = admitProbe(result.core);
  assert.is(admitted.manifest.name, "latency");
  assert.ok(admitted.module.imports.every((i) => FAST_PATH_INTERFACES.has(i.module)));
});

test("a manifest carried at the component's top level is handed to the fast path inside the core", () => {
  const { component: moved, manifest } = manifestAtTopLevel();
  assert.equal(findComponentManifest(moved), manifest);
  const result = extractCoreModule(moved);
  assert.is(result.manifestSource, "component");
  assert.is(admitProbe(result.core).manifest.name, "latency");
});

test("two different manifests are refused, one in the core and another at the top", () => {
  const other = new TextEncoder().encode('{"schema":1,"name":"other","version":"1.0.0","hooks":[],"capabilities":[]}');
  const bytes = concatBytes([latency, encodeCustomSection(MANIFEST_SECTION, other)]);
  refused(() => extractCoreModule(bytes), "E_MANIFEST", /differs/);
  refused(() => findComponentManifest(bytes), "E_MANIFEST", /two different/);
  // The same manifest twice is fine.
  const same = findComponentManifest(latency)!;
  assert.is(
    extractCoreModule(concatBytes([latency, encodeCustomSection(MANIFEST_SECTION, same)])).manifestSource,
    "core",
  );
});

test("a component without a core module names what is missing", () => {
  const detail = refused(
    () => extractCoreModule(component([encodeCustomSection("note", new Uint8Array(3))])),
    "E_COMPONENT_UNSUPPORTED",
    /no core module/,
  );
  assert.is(detail.missing, "core module");
});

test("two core modules with memory (e.g. a WASI adapter) are refused, naming their import sources", () => {
  const main = coreModule({ imports: [[TRACE, "end-span"]], memory: true });
  const adapter = coreModule({ imports: [["wasi:cli/stdout@0.2.0", "get-stdout"]], memory: true });
  const bytes = component([instanceImports([TRACE]), coreModuleSection(main), coreModuleSection(adapter)]);
  const detail = refused(() => extractCoreModule(bytes), "E_COMPONENT_UNSUPPORTED", /2 core modules.*wasi:cli\/stdout/);
  assert.is(detail.missing, "single core module");
});

test("a core module importing what no component import provides is refused", () => {
  const main = coreModule({ imports: [["wasi_snapshot_preview1", "fd_write"]], memory: true });
  const detail = refused(
    () => extractCoreModule(component([instanceImports([TRACE]), coreModuleSection(main)])),
    "E_COMPONENT_UNSUPPORTED",
    /wasi_snapshot_preview1\.fd_write.*adapter/,
  );
  assert.is(detail.missing, "wasi_snapshot_preview1");
});

test("a core module importing an interface outside the probe world is refused", () => {
  const main = coreModule({ imports: [["wasi:random/random@0.2.0", "get-random-u64"]], memory: true });
  const bytes = component([instanceImports(["wasi:random/random@0.2.0"]), coreModuleSection(main)]);
  refused(() => extractCoreModule(bytes), "E_COMPONENT_UNSUPPORTED", /fast path provides only/);
  // A host that provides more can say so.
  const ok = extractCoreModule(bytes, { interfaces: new Set(["wasi:random/random@0.2.0"]) });
  assert.is(
    ok.core.length,
    coreModule({ imports: [["wasi:random/random@0.2.0", "get-random-u64"]], memory: true }).length,
  );
});

test("a component lowered as UTF-8 whose manifest says UTF-16 (an AssemblyScript probe) is refused: its strings would be misread", async () => {
  const core = new Uint8Array(await readFile(join("build/probes/examples", "latency.wasm")));
  const embedded = await componentEmbed({
    binary: core,
    witPath: resolve("wit"),
    world: "probe",
    stringEncoding: "utf8",
  });
  const utf8 = await componentNew(embedded);
  assert.is(readComponentLayout(utf8).stringEncodings.utf16, 0);
  assert.ok(readComponentLayout(latency).stringEncodings.utf16 > 0);
  assert.is(extractCoreModule(utf8).stringEncoding, "utf8");
  const detail = refused(
    () => admitProbe(utf8),
    "E_COMPONENT_UNSUPPORTED",
    /strings as utf8 but its manifest declares utf16/,
  );
  assert.is(detail.encoding, "utf8");
});

test("a C probe's UTF-8 component (canon utf8, manifest utf8) is admitted on the fast path", async () => {
  const bytes = new Uint8Array(await readFile(join("build/components/c", "latency.wasm")));
  const extracted = extractCoreModule(bytes);
  assert.is(extracted.stringEncoding, "utf8");
  const admitted = admitProbe(bytes);
  assert.is(admitted.manifest.stringEncoding, "utf8");
  assert.equal(admitted.hooks, ["response"]);
});

test("a composed component (nested components) is refused", () => {
  const nested = encodeSection(4, COMPONENT_PREAMBLE);
  refused(
    () => extractCoreModule(component([coreModuleSection(coreModule({ memory: true })), nested])),
    "E_COMPONENT_UNSUPPORTED",
    /nests 1/,
  );
});

test("a core module is not a component; a malformed embedded module stays E_MALFORMED", () => {
  refused(() => extractCoreModule(coreModule()), "E_UNSUPPORTED", /not a component/);
  const broken = coreModuleSection(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01));
  refused(() => extractCoreModule(component([broken])), "E_MALFORMED", /core module 0/);
});

test("every truncation of a real component gives a typed error or a shorter valid layout, never a crash", () => {
  for (let length = 0; length < latency.length; length++) {
    try {
      extractCoreModule(latency.subarray(0, length));
    } catch (error) {
      assert.ok(isSandprobeError(error), `truncation to ${length} threw ${String(error)}`);
    }
  }
});

test("random bytes after a component preamble only ever give typed errors", () => {
  for (let seed = 1; seed <= 2000; seed++) {
    const bytes = concatBytes([COMPONENT_PREAMBLE, seededBytes(seed, 1 + (seed % 300))]);
    try {
      extractCoreModule(bytes);
    } catch (error) {
      assert.ok(isSandprobeError(error), `seed ${seed} threw ${String(error)}`);
    }
  }
});

test.run();
