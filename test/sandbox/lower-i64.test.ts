// 64-bit integers cross between the sandboxed module and the host as f64s
// (host/load/lower-i64.ts): each costs a BigInt otherwise. What the probe
// computes must not change: the integers it reads and passes are the ones
// the host makes and forwards, in static, entry and cached functions alike,
// and an import reached other than by `call` keeps its own type.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { admitProbe } from "../../host/load/admit.js";
import { FUEL_EXPORT } from "../../host/load/index.js";
import { sandboxModule } from "../../host/load/sandbox.js";
import { parseModule } from "../../host/wasm/index.js";
import { hostLimits } from "../../host/world/limits.js";
import { errorCodeOf } from "../support/errors.js";
import { build, i32, i64, op, u32, withManifest } from "./support/builder.js";

const CLOCK = "wasi:clocks/monotonic-clock@0.2.0";
const TRACE = "sandprobe:probe/trace@0.1.0";
const BUDGET = 1_000_000_000;

const NOW = 0; // now: () -> i64
const SET_INT = 1; // set-attribute-int: (span, key_ptr, key_len, value: i64) -> ()
const END_AT = 2; // end-span-at: (span, end: i64) -> ()

/**
 * Imports `now`, `set-attribute-int`, `end-span-at`. Functions (after the 3 imports):
 * 3 "read": () -> i64, the clock (entry mode: exported, no loop);
 * 4 "pass": (i64) -> (), an attribute and an end instant (entry mode);
 * 5 "readSum": (n) -> i64, n clock reads in a loop (cached mode);
 * 6 internal (static): () -> i64, the clock; 7 "readStatic": () -> i64, calls 6.
 */
/** `while (local 0 != 0) { body; local 0 -= 1 }` (a loop, so the function caches its fuel counter). */
function countdown(body: readonly number[]): number[] {
  return [
    ...op("block"),
    0x40,
    ...op("loop"),
    0x40,
    ...op("local.get"),
    ...u32(0),
    ...op("i32.eqz"),
    ...op("br_if"),
    ...u32(1),
    ...body,
    ...op("local.get"),
    ...u32(0),
    ...i32(1),
    ...op("i32.sub"),
    ...op("local.set"),
    ...u32(0),
    ...op("br"),
    ...u32(0),
    ...op("end"),
    ...op("end"),
  ];
}

function module(extra: { exportImport?: boolean; tableImport?: boolean } = {}): Uint8Array {
  const loopSum = [
    ...i64(0n),
    ...op("local.set"),
    ...u32(1),
    ...countdown([
      ...op("local.get"),
      ...u32(1),
      ...op("call"),
      ...u32(NOW),
      ...op("i64.add"),
      ...op("local.set"),
      ...u32(1),
    ]),
    ...op("local.get"),
    ...u32(1),
  ];
  const passBody = [
    ...i32(7),
    ...i32(16),
    ...i32(3),
    ...op("local.get"),
    ...u32(0),
    ...op("call"),
    ...u32(SET_INT),
    ...i32(7),
    ...op("local.get"),
    ...u32(0),
    ...op("call"),
    ...u32(END_AT),
  ];
  const endAtNow = [...i32(7), ...op("call"), ...u32(NOW), ...op("call"), ...u32(END_AT)];
  const loopEndAtNow = countdown(endAtNow);
  return build({
    imports: [
      { module: CLOCK, name: "now", type: { params: [], results: ["i64"] } },
      { module: TRACE, name: "set-attribute-int", type: { params: ["i32", "i32", "i32", "i64"], results: [] } },
      { module: TRACE, name: "end-span-at", type: { params: ["i32", "i64"], results: [] } },
    ],
    memory: { min: 1 },
    table: extra.tableImport ? { min: 1 } : undefined,
    elements: extra.tableImport ? [{ offset: 0, funcs: [NOW] }] : undefined,
    exports: extra.exportImport ? [{ name: "clock", kind: "func", index: NOW }] : undefined,
    funcs: [
      { type: { params: [], results: ["i64"] }, export: "read", body: [...op("call"), ...u32(NOW)] },
      {
        type: { params: ["i64"], results: [] },
        export: "pass",
        body: passBody,
      },
      { type: { params: ["i32"], results: ["i64"] }, locals: ["i64"], export: "readSum", body: loopSum },
      { type: { params: [], results: ["i64"] }, body: [...op("call"), ...u32(NOW)] },
      { type: { params: [], results: ["i64"] }, export: "readStatic", body: [...op("call"), ...u32(6)] },
      // 8 internal (static): (i64) -> (), the attribute and the end instant; 9 "passStatic" calls it.
      { type: { params: ["i64"], results: [] }, body: passBody },
      {
        type: { params: ["i64"], results: [] },
        export: "passStatic",
        body: [...op("local.get"), ...u32(0), ...op("call"), ...u32(8)],
      },
      // 10 "request" (a metered entry, through its wrapper): the clock's result is end-span-at's argument,
      // so one call's result conversion and the next call's argument conversion sit at the same offset.
      { type: { params: [], results: [] }, export: "request", body: endAtNow },
      // 11 "endAtNowLoop": (n) -> (), the same n times in a loop (cached mode).
      { type: { params: ["i32"], results: [] }, export: "endAtNowLoop", body: loopEndAtNow },
    ],
  });
}

function sandboxed(bytes: Uint8Array): Uint8Array {
  return sandboxModule(parseModule(bytes), hostLimits()).bytes;
}

function importNames(bytes: Uint8Array): string[] {
  return WebAssembly.Module.imports(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)).map((i) => i.name);
}

/** The sandboxed module with twins that return `clock` and record what they are passed. */
function instantiateLowered(bytes: Uint8Array, clock: () => number) {
  const passed: { attribute: number[]; end: number[] } = { attribute: [], end: [] };
  const imports = {
    [CLOCK]: { "now.f64": clock },
    [TRACE]: {
      "set-attribute-int.f64": (_span: number, _ptr: number, _len: number, value: number) => {
        passed.attribute.push(value);
      },
      "end-span-at.f64": (_span: number, end: number) => {
        passed.end.push(end);
      },
    },
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), imports);
  const exports = instance.exports as Record<string, (...args: unknown[]) => unknown>;
  // These exports are not entries: they run on the fuel counter as it stands.
  (instance.exports[FUEL_EXPORT] as WebAssembly.Global).value = BUDGET;
  return { exports, passed };
}

test("the 64-bit imports are called through their f64 twins, and nothing else is renamed", () => {
  const names = importNames(sandboxed(module()));
  assert.equal(names, ["now.f64", "set-attribute-int.f64", "end-span-at.f64"]);
});

test("clock readings reach the probe as the same u64, in entry, static and cached functions", () => {
  const readings = [0, 1, 2 ** 32 + 5, 2 ** 53 - 1, 2 ** 53 + 2, 2 ** 63, 1.5e19, 2 ** 64 - 2 ** 11];
  for (const value of readings) {
    const { exports } = instantiateLowered(sandboxed(module()), () => value);
    const expected = BigInt(value);
    // An exported i64 result arrives signed: read its bits as u64.
    assert.is(BigInt.asUintN(64, exports.read?.() as bigint), expected, `read ${value}`);
    assert.is(BigInt.asUintN(64, exports.readStatic?.() as bigint), expected, `static ${value}`);
  }
  let ticks = 1_000_000_000_000;
  const { exports } = instantiateLowered(sandboxed(module()), () => ticks++);
  const sum = exports.readSum?.(4) as bigint;
  assert.is(sum, BigInt(4 * 1_000_000_000_000 + 0 + 1 + 2 + 3), "four reads in a loop");
});

test("a 64-bit argument reaches the host as Number(value) would make it", () => {
  const values = [
    0n,
    -1n,
    2n ** 31n,
    -(2n ** 31n) - 1n,
    2n ** 32n,
    2n ** 53n - 1n,
    2n ** 53n + 1n,
    -(2n ** 63n),
    2n ** 63n - 1n,
  ];
  const { exports, passed } = instantiateLowered(sandboxed(module()), () => 0);
  for (const value of values) exports.pass?.(value);
  assert.equal(
    passed.attribute,
    values.map((v) => Number(v)),
    "set-attribute-int: signed, rounded to nearest as Number()",
  );
  // end-span-at's instant is unsigned: -1 is 2^64 - 1.
  assert.equal(
    passed.end,
    values.map((v) => Number(BigInt.asUintN(64, v))),
    "end-span-at: unsigned",
  );
});

test("arguments convert in static bodies too, and a result feeding the next call converts before it", () => {
  const values = [-1n, 2n ** 53n + 1n, 2n ** 63n - 1n];
  const { exports, passed } = instantiateLowered(sandboxed(module()), () => 0);
  for (const value of values) exports.passStatic?.(value);
  assert.equal(
    passed.attribute,
    values.map((v) => Number(v)),
  );
  let ticks = 2 ** 53 + 2;
  const clocked = instantiateLowered(sandboxed(module()), () => (ticks += 2));
  // The metered entry: (budget) -> left.
  assert.ok((clocked.exports.request?.(BUDGET) as number) > 0);
  clocked.exports.endAtNowLoop?.(3);
  assert.equal(clocked.passed.end, [2 ** 53 + 4, 2 ** 53 + 6, 2 ** 53 + 8, 2 ** 53 + 10]);
});

test("an import that is exported or placed in a table keeps its type (callers elsewhere expect an i64)", () => {
  for (const extra of [{ exportImport: true }, { tableImport: true }]) {
    const bytes = sandboxed(module(extra));
    const names = importNames(bytes);
    assert.equal(names, ["now", "set-attribute-int.f64", "end-span-at.f64"], JSON.stringify(extra));
    const imports = {
      [CLOCK]: { now: () => 2n ** 60n + 1n },
      [TRACE]: { "set-attribute-int.f64": () => {}, "end-span-at.f64": () => {} },
    };
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), imports);
    (instance.exports[FUEL_EXPORT] as WebAssembly.Global).value = BUDGET;
    const read = instance.exports.read as () => bigint;
    assert.is(read(), 2n ** 60n + 1n, "the BigInt path is exact");
  }
});
test("a probe cannot import a twin itself: only the world's own names are admitted", () => {
  for (const [module, name, type] of [
    [CLOCK, "now.f64", { params: [], results: ["f64"] }],
    [TRACE, "set-attribute-int.f64", { params: ["i32", "i32", "i32", "f64"], results: [] }],
  ] as const) {
    const bytes = build({
      imports: [{ module, name, type }],
      memory: { min: 1 },
      funcs: [{ type: { params: [], results: [] }, export: "request", body: [] }],
    });
    const probe = withManifest(bytes, { name: "twin" });
    assert.is(
      errorCodeOf(() => admitProbe(probe)),
      "E_IMPORT_NOT_ALLOWED",
      name,
    );
  }
});

test.run();
