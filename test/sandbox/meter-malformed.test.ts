// Hostile and broken input: the metering pass answers with a typed error,
// never a crash, and never turns an invalid module into a valid one (an
// out-of-range index must not come to name the fuel counter or a wrapper).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isSandprobeError } from "../../host/errors.js";
import { DEPTH_EXPORT, FUEL_EXPORT, meterModule, START_EXPORT } from "../../host/load/index.js";
import { readSections, SectionId } from "../../host/wasm/index.js";
import { errorCodeOf } from "../support/errors.js";
import { probeBytes, seededBytes } from "../support/probes.js";
import { build, i32, type ModuleSpec, op } from "./support/builder.js";

const valid = (bytes: Uint8Array) => WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>);

const entry = (body: number[], locals: Array<"i32"> = []): ModuleSpec => ({
  funcs: [{ type: { params: ["i32"], results: [] }, locals, body, export: "hook" }],
  globals: [{ type: "i32", mutable: true, init: i32(0) }],
});

test("indices just past each index space are refused, even those metering would make valid", () => {
  const cases: Array<[string, ModuleSpec]> = [
    // One param, one declared local: local 2 would be the fuel counter.
    ["local.set of the counter's index", entry([...i32(1_000_000), ...op("local.set"), 2], ["i32"])],
    ["local.get past the locals", entry([...op("local.get"), 1, ...op("drop")])],
    // One global: global 1 would be the fuel counter.
    ["global.set of the fuel global's index", entry([...i32(1_000_000), ...op("global.set"), 1])],
    ["global.get of the fuel global's index", entry([...op("global.get"), 1, ...op("drop")])],
    // One function: function 1 would be the wrapper, which sets the counter to its argument.
    ["call of the wrapper's index", entry([...i32(1_000_000), ...op("call"), 1])],
    ["ref.func of the wrapper's index", entry([...op("ref.func"), 1, ...op("drop")])],
    ["an element naming the wrapper", { ...entry([]), table: { min: 1 }, elements: [{ offset: 0, funcs: [1] }] }],
    [
      "a global initialized with the wrapper",
      { ...entry([]), globals: [{ type: "funcref", mutable: false, init: [0xd2, 1] }] },
    ],
    ["an export of the fuel global's index", { ...entry([]), exports: [{ name: "g", kind: "global", index: 1 }] }],
    ["an export of the wrapper's index", { ...entry([]), exports: [{ name: "w", kind: "func", index: 1 }] }],
    ["a start function past the functions", { ...entry([]), start: 1 }],
    ["a branch past the function label", entry([...op("br"), 1])],
    ["a block type past the types", entry([...op("block"), 0x05, ...op("end")])],
  ];
  for (const [what, spec] of cases) {
    const bytes = build(spec);
    assert.not.ok(valid(bytes), `${what}: the original is invalid`);
    assert.is(
      errorCodeOf(() => meterModule(bytes, { entries: ["hook"] })),
      "E_MALFORMED",
      what,
    );
  }
});

test("export names of the metering ABI cannot be claimed by the probe", () => {
  for (const name of [FUEL_EXPORT, DEPTH_EXPORT, START_EXPORT]) {
    const bytes = build({ ...entry([]), exports: [{ name, kind: "func", index: 0 }] });
    assert.is(
      errorCodeOf(() => meterModule(bytes, { entries: ["hook"] })),
      "E_UNSUPPORTED",
      name,
    );
  }
});

test("structural errors are refused: else without if, code after the end, unclosed blocks", () => {
  const cases: Array<[string, number[]]> = [
    ["else outside if", [...op("block"), 0x40, ...op("else"), ...op("end")]],
    ["code after the final end", [...op("end"), ...op("nop")]],
    ["an unclosed block", [...op("block"), 0x40]],
    ["a br_table longer than the body", [...op("br_table"), 0xff, 0xff, 0x03]],
  ];
  for (const [what, body] of cases) {
    assert.is(
      errorCodeOf(() => meterModule(build(entry(body)), { entries: ["hook"] })),
      "E_MALFORMED",
      what,
    );
  }
});

function codeSection(bytes: Uint8Array) {
  const section = readSections(bytes).find((s) => s.id === SectionId.code);
  assert.ok(section);
  return section;
}

test("byte flips in a real probe's code: typed errors only, and never a valid module from an invalid one", async () => {
  const original = await probeBytes("testing", "binary-search");
  const code = codeSection(original);
  const span = code.end - code.payloadStart;
  let accepted = 0;
  for (let seed = 1; seed <= 600; seed++) {
    const noise = seededBytes(seed, 8);
    const mutated = original.slice();
    for (let k = 0; k < 1 + (seed % 3); k++) {
      const at = code.payloadStart + ((((noise[2 * k] as number) << 8) | (noise[2 * k + 1] as number)) % span);
      mutated[at] = noise[6 + (k % 2)] as number;
    }
    let out: Uint8Array | undefined;
    try {
      out = meterModule(mutated, { entries: ["init", "request", "search"] }).bytes;
    } catch (error) {
      assert.ok(isSandprobeError(error), `seed ${seed} threw ${String(error)}`);
      continue;
    }
    accepted++;
    const before = valid(mutated);
    assert.is(valid(out), before, `seed ${seed}: metering changed validity`);
  }
  assert.ok(accepted > 0, "some mutations are still well-formed enough to meter");
});

test("random function bodies: typed errors or a module exactly as valid as the original", () => {
  for (let seed = 1; seed <= 1500; seed++) {
    const body = [...seededBytes(seed, 1 + (seed % 40))];
    const bytes = build({ ...entry(body, ["i32"]), memory: { min: 1 } });
    let out: Uint8Array | undefined;
    try {
      out = meterModule(bytes, { entries: ["hook"] }).bytes;
    } catch (error) {
      assert.ok(isSandprobeError(error), `seed ${seed} threw ${String(error)}`);
      continue;
    }
    assert.is(valid(out), valid(bytes), `seed ${seed}`);
  }
});

test("every truncation of a real probe gives a typed error or a (shorter) module", async () => {
  const original = await probeBytes("examples", "latency");
  for (let length = 0; length < original.length; length++) {
    const cut = original.subarray(0, length);
    const code = errorCodeOf(() => meterModule(cut, { entries: ["request"] }));
    assert.ok(["accepted", "E_MALFORMED", "E_UNSUPPORTED"].includes(code), `length ${length}: ${code}`);
  }
});

test("a function declaring too many locals is refused before anything is allocated", () => {
  // One group of 2^32 - 1 locals.
  const bytes = build(entry([]));
  const code = codeSection(bytes);
  const body = [0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x0b];
  const payload = [0x01, body.length, ...body];
  const patched = new Uint8Array([
    ...bytes.subarray(0, code.start),
    0x0a,
    payload.length,
    ...payload,
    ...bytes.subarray(code.end),
  ]);
  assert.is(
    errorCodeOf(() => meterModule(patched, { entries: ["hook"] })),
    "E_UNSUPPORTED",
  );
});

test.run();
