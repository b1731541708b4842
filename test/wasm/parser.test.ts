import { test } from "uvu";
import * as assert from "uvu/assert";
import { isSandprobeError } from "../../host/errors.js";
import { concatBytes, encodeSection, encodeU32 } from "../../host/wasm/encode.js";
import { customSections, parseModule, readSections } from "../../host/wasm/index.js";
import { MANIFEST_SECTION } from "../../host/world/manifest.js";
import { probeBytes, seededBytes } from "../support/probes.js";

test("parses an example probe's imports, exports and manifest section", async () => {
  const bytes = await probeBytes("examples", "latency");
  const module = parseModule(bytes);
  const names = module.imports.map((i) => `${i.module}#${i.name}`);
  assert.ok(names.includes("sandprobe:probe/http@0.1.0#received-at"));
  assert.ok(names.includes("sandprobe:probe/trace@0.1.0#start-span-at"));
  const exports = module.exports.map((e) => e.name);
  for (const name of ["memory", "cabi_realloc", "init", "request", "response"]) assert.ok(exports.includes(name), name);
  const [manifest] = customSections(bytes, module.sections, MANIFEST_SECTION);
  assert.ok(manifest && manifest.length > 10);
  // The start-span-at import keeps its canonical lowering (name ptr/len, kind, parent, start) -> handle.
  const startAt = module.imports.find((i) => i.name === "start-span-at");
  assert.ok(startAt && startAt.desc.kind === "func");
  if (startAt?.desc.kind === "func") {
    assert.equal(module.types[startAt.desc.typeIndex], {
      params: ["i32", "i32", "i32", "i32", "i64"],
      results: ["i32"],
    });
  }
});

test("every truncation of a real probe is refused with E_MALFORMED, never a crash", async () => {
  const bytes = await probeBytes("examples", "latency");
  for (let length = 0; length < bytes.length; length++) {
    try {
      parseModule(bytes.subarray(0, length));
      // A cut exactly between sections is still a well-formed (shorter) module.
      const sections = readSections(bytes);
      assert.ok(
        length === 8 || sections.some((s) => s.end === length),
        `truncation to ${length} bytes was accepted mid-section`,
      );
    } catch (error) {
      assert.ok(isSandprobeError(error), `truncation to ${length} threw ${String(error)}`);
      assert.ok(error.code === "E_MALFORMED" || error.code === "E_UNSUPPORTED", error.code);
    }
  }
});

test("random bytes, with and without a valid preamble, only ever give typed errors", () => {
  for (let seed = 1; seed <= 3000; seed++) {
    const noise = seededBytes(seed, 1 + (seed % 200));
    const withPreamble = new Uint8Array(8 + noise.length);
    withPreamble.set([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    withPreamble.set(noise, 8);
    for (const input of [noise, withPreamble]) {
      try {
        parseModule(input);
      } catch (error) {
        assert.ok(isSandprobeError(error), `seed ${seed} threw ${String(error)}`);
      }
    }
  }
});

test("refuses out-of-order sections and overlong LEB128 sizes", () => {
  // export section (7) before type section (1)
  const outOfOrder = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 7, 1, 0, 1, 1, 0);
  assert.throws(
    () => parseModule(outOfOrder),
    (e: unknown) => isSandprobeError(e, "E_MALFORMED"),
  );
  const overlong = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
  assert.throws(
    () => parseModule(overlong),
    (e: unknown) => isSandprobeError(e, "E_MALFORMED"),
  );
});

test("refuses memory64 and shared memories as unsupported", () => {
  // memory section with flags 0x04 (memory64) and 0x03 (shared, max)
  for (const flags of [0x04, 0x03]) {
    const bytes = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 4, 1, flags, 1, 1);
    assert.throws(
      () => parseModule(bytes),
      (e: unknown) => isSandprobeError(e, "E_UNSUPPORTED"),
    );
  }
});

/** A module with one function () -> () exported under each of `names` (raw name bytes). */
function moduleExporting(names: readonly Uint8Array[]): Uint8Array {
  const entries = names.map((name) =>
    concatBytes([Uint8Array.from(encodeU32(name.length)), name, Uint8Array.of(0, 0)]),
  );
  return concatBytes([
    Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00),
    encodeSection(1, Uint8Array.of(1, 0x60, 0, 0)),
    encodeSection(3, Uint8Array.of(1, 0)),
    encodeSection(7, concatBytes([Uint8Array.from(encodeU32(names.length)), ...entries])),
    encodeSection(10, Uint8Array.of(1, 2, 0, 0x0b)),
  ]);
}
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

test("export names: ASCII, long, and non-ASCII names decode to the same strings", () => {
  const names = ["request", "f1234", "x".repeat(64), "y".repeat(65), "h\u00e9llo", "\u65e5\u672c", "\u{1f600}", ""];
  const module = parseModule(moduleExporting(names.map(utf8)));
  assert.equal(
    module.exports.map((e) => e.name),
    names,
  );
  // What WebAssembly itself reads from the same bytes.
  const engine = WebAssembly.Module.exports(new WebAssembly.Module(moduleExporting(names.map(utf8)) as BufferSource));
  assert.equal(
    engine.map((e) => e.name),
    names,
  );
});

test("an export name that is not UTF-8 is refused with E_MALFORMED, short or long", () => {
  for (const bad of [Uint8Array.of(0x61, 0xff), Uint8Array.of(0xc3), Uint8Array.of(...utf8("z".repeat(70)), 0x80)]) {
    try {
      parseModule(moduleExporting([utf8("ok"), bad]));
      assert.unreachable(`accepted ${bad}`);
    } catch (error) {
      assert.ok(isSandprobeError(error) && error.code === "E_MALFORMED", String(error));
      assert.match(error.message, /not valid UTF-8/);
    }
  }
});

test("a repeated export name is refused at the second one, among few or thousands of exports", () => {
  for (const count of [3, 5000]) {
    const names = Array.from({ length: count }, (_, i) => `f${i}`);
    names.push("f1");
    const bytes = moduleExporting(names.map(utf8));
    try {
      parseModule(bytes);
      assert.unreachable(`${count}: the duplicate was accepted`);
    } catch (error) {
      assert.ok(isSandprobeError(error) && error.code === "E_MALFORMED", String(error));
      assert.match(error.message, /duplicate export "f1"/);
      // The offset is the second "f1" entry: its length byte, then the name.
      const offset = error.detail.offset as number;
      assert.equal(new TextDecoder().decode(bytes.subarray(offset + 1, offset + 3)), "f1");
      assert.ok(offset > bytes.length - 12, `offset ${offset} is not the last entry`);
    }
    // Without the repeat, every name is kept in order.
    assert.equal(parseModule(moduleExporting(names.slice(0, -1).map(utf8))).exports.length, count);
  }
});

test.run();
