import { test } from "uvu";
import * as assert from "uvu/assert";
import { isSandprobeError } from "../../host/errors.js";
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

test.run();
