// Fuel: a metered entry traps exactly when its budget runs out, the charge
// follows the documented cost model, counts are deterministic, and the host
// can tell a fuel trap from any other trap.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeMeteringInfo, FUEL_EXPORT, METERING_SECTION, meterModule } from "../../host/load/index.js";
import { probeBytes } from "../support/probes.js";
import { build, i32, op } from "./support/builder.js";
import { instantiate, instantiateMetered, outcome } from "./support/instance.js";

// count(n): a loop that runs n times. Region 0 (block, loop, end, local.get, end) costs 5;
// the loop region (13 instructions with its end) is charged n + 1 times (n iterations and the exit test).
const countBody = [
  ...op("block"),
  0x40,
  ...op("loop"),
  0x40,
  ...[...op("local.get"), 0, ...op("i32.eqz"), ...op("br_if"), 1],
  ...[...op("local.get"), 0, ...i32(1), ...op("i32.sub"), ...op("local.set"), 0],
  ...[...op("local.get"), 1, ...i32(1), ...op("i32.add"), ...op("local.set"), 1],
  ...op("br"),
  0,
  ...op("end"),
  ...op("end"),
  ...op("local.get"),
  1,
];
const countLoop = build({
  funcs: [{ type: { params: ["i32"], results: ["i32"] }, locals: ["i32"], export: "count", body: countBody }],
});
const countCost = (n: number) => 5 + 13 * (n + 1);

test("a loop is charged its region cost per iteration, exactly as documented", async () => {
  const loaded = await instantiate(meterModule(countLoop, { entries: ["count"] }).bytes);
  for (const n of [0, 1, 2, 100, 12345]) {
    const [result, left] = loaded.fn("count")(n, 1_000_000) as [number, number];
    assert.is(result, n);
    assert.is(1_000_000 - left, countCost(n), `count(${n})`);
  }
});

// Cost model 3: a region costing more than SEGMENTED_REGION_COST is charged
// segment by segment, so an arm that does not run is not paid for.
const ARM = 300;
const nops = (n: number) => new Array<number[]>(n).fill(op("nop")).flat();
// pick(n, flag): a loop of n iterations whose body runs a 300-instruction arm when flag is set.
// Region 0 (block, loop, end, final end) stays one charge of 4. The loop region (12 + ARM) is split:
// its header segment (local.get, i32.eqz, br_if, local.get, if) costs 5, the arm ARM + 1 (its end),
// the rest (local.get, i32.const, i32.sub, local.set, br, end) 6.
const pickLoop = build({
  funcs: [
    {
      type: { params: ["i32", "i32"], results: [] },
      export: "pick",
      body: [
        ...op("block"),
        0x40,
        ...op("loop"),
        0x40,
        ...[...op("local.get"), 0, ...op("i32.eqz"), ...op("br_if"), 1],
        ...[...op("local.get"), 1, ...op("if"), 0x40, ...nops(ARM), ...op("end")],
        ...[...op("local.get"), 0, ...i32(1), ...op("i32.sub"), ...op("local.set"), 0],
        ...op("br"),
        0,
        ...op("end"),
        ...op("end"),
      ],
    },
    // choose(flag): no loop, 303 instructions, so not folded into callers: it charges 2 at entry,
    // the arm (ARM + 1) only when it runs, and 1 for the final end.
    {
      type: { params: ["i32"], results: [] },
      export: "choose",
      body: [...op("local.get"), 0, ...op("if"), 0x40, ...nops(ARM), ...op("end")],
    },
  ],
});

test("a large region is charged per segment: an arm is paid for only when it runs (cost model 3)", async () => {
  const loaded = await instantiate(meterModule(pickLoop, { entries: ["pick", "choose"] }).bytes);
  const used = (name: string, ...args: number[]) =>
    1_000_000 - ([loaded.fn(name)(...args, 1_000_000)].flat()[0] as number);
  for (const n of [0, 1, 100]) {
    assert.is(used("pick", n, 0), 4 + 11 * n + 5, `pick(${n}, arm skipped)`);
    assert.is(used("pick", n, 1), 4 + (11 + ARM + 1) * n + 5, `pick(${n}, arm taken)`);
  }
  assert.is(used("choose", 0), 3);
  assert.is(used("choose", 1), 3 + ARM + 1);
  // Still exact at the edge: the arm's charge is what traps.
  assert.is(
    outcome(loaded, () => loaded.fn("choose")(1, 3 + ARM)),
    "fuel",
  );
  assert.equal([loaded.fn("choose")(1, 3 + ARM + 1)].flat(), [0]);
});

test("the budget is exact: enough fuel leaves 0, one less traps as fuel exhaustion", async () => {
  const loaded = await instantiate(meterModule(countLoop, { entries: ["count"] }).bytes);
  const count = loaded.fn("count");
  for (const n of [0, 3, 1000]) {
    assert.equal(count(n, countCost(n)), [n, 0]);
    assert.is(
      outcome(loaded, () => count(n, countCost(n) - 1)),
      "fuel",
    );
    assert.is(
      outcome(loaded, () => count(n, 0)),
      "fuel",
    );
  }
  // The instance keeps working after a fuel trap.
  assert.equal(count(10, 1000), [10, 1000 - countCost(10)]);
});

test("an infinite loop in a hook is stopped by fuel, and the probe serves the next call", async () => {
  const bytes = meterModule(await probeBytes("hostile", "infinite-loop"), {
    entries: ["init", "request", "response"],
  }).bytes;
  const loaded = await instantiateMetered(bytes);
  for (const budget of [0, 1, 1000, 1_000_000]) {
    assert.is(
      outcome(loaded, () => loaded.fn("request")(budget)),
      "fuel",
      `budget ${budget}`,
    );
  }
  assert.is(typeof loaded.fn("response")(1000), "number");
});

test("an infinite loop in init is stopped by fuel too", async () => {
  const bytes = meterModule(await probeBytes("hostile", "infinite-loop-init"), {
    entries: ["init", "request", "response"],
  }).bytes;
  const loaded = await instantiateMetered(bytes);
  assert.is(
    outcome(loaded, () => loaded.fn("init")(5_000_000)),
    "fuel",
  );
});

test("other traps are not reported as fuel exhaustion, even right after one", async () => {
  const bytes = meterModule(await probeBytes("testing", "trap"), { entries: ["init", "request", "response"] }).bytes;
  const loaded = await instantiateMetered(bytes);
  // response: an out-of-bounds load.
  assert.is(
    outcome(loaded, () => loaded.fn("response")(1_000_000)),
    "trap",
  );
  assert.is(
    outcome(loaded, () => loaded.fn("response")(1)),
    "fuel",
  );
  assert.is(
    outcome(loaded, () => loaded.fn("response")(1_000_000)),
    "trap",
  );
});

test("fuel counts are deterministic: same probe and input, same fuel, across calls and instances", async () => {
  const bytes = meterModule(await probeBytes("testing", "fnv-hash"), { entries: ["init", "fnv"] }).bytes;
  const used: number[] = [];
  for (let round = 0; round < 3; round++) {
    const loaded = await instantiateMetered(bytes);
    const initLeft = loaded.fn("init")(1_000_000_000) as number;
    used.push(1_000_000_000 - initLeft);
    for (let i = 0; i < 3; i++) {
      const [, left] = loaded.fn("fnv")(1000, 2, 1_000_000_000) as [number, number];
      used.push(1_000_000_000 - left);
    }
  }
  assert.equal(used, [...used.slice(0, 4), ...used.slice(0, 4), ...used.slice(0, 4)]);
  assert.ok((used[1] as number) > 2000);
});

test("ahead of time: metering is a pure function of the bytes, and the result describes itself", async () => {
  const bytes = await probeBytes("examples", "latency");
  const a = meterModule(bytes, { entries: ["init", "request", "response"] });
  const b = meterModule(bytes.slice(), { entries: ["init", "request", "response"] });
  assert.equal(a.bytes, b.bytes);
  const module = await WebAssembly.compile(a.bytes as Uint8Array<ArrayBuffer>);
  const [section] = WebAssembly.Module.customSections(module, METERING_SECTION);
  assert.ok(section);
  assert.equal(decodeMeteringInfo(new Uint8Array(section)), a.info);
  const exported = WebAssembly.Module.exports(module).find((e) => e.name === FUEL_EXPORT);
  assert.is(exported?.kind, "global");
});

test("a module that is already metered (or claims to be) is refused", async () => {
  const once = meterModule(countLoop, { entries: ["count"] }).bytes;
  assert.throws(
    () => meterModule(once, { entries: ["count"] }),
    (e: unknown) => e instanceof Error && "code" in e && e.code === "E_UNSUPPORTED",
  );
});

test("static callees are charged by their caller; the wrapper charges a static entry without the global", async () => {
  // add(a, b) costs 4; twice(x) = add(x, x) + add(x, 1) costs 8 of its own + 2 * 4.
  const bytes = build({
    funcs: [
      {
        type: { params: ["i32", "i32"], results: ["i32"] },
        body: [...op("local.get"), 0, ...op("local.get"), 1, ...op("i32.add")],
      },
      {
        type: { params: ["i32"], results: ["i32"] },
        export: "twice",
        body: [
          ...[...op("local.get"), 0, ...op("local.get"), 0, ...op("call"), 0],
          ...[...op("local.get"), 0, ...i32(1), ...op("call"), 0],
          ...op("i32.add"),
        ],
      },
    ],
  });
  const loaded = await instantiate(meterModule(bytes, { entries: ["twice"] }).bytes);
  assert.equal(loaded.fn("twice")(5, 100), [16, 100 - 16]);
  assert.equal(loaded.fn("twice")(5, 16), [16, 0]);
  assert.is(
    outcome(loaded, () => loaded.fn("twice")(5, 15)),
    "fuel",
  );
});

test("mutual recursion without loops is still charged on every round trip", async () => {
  // a(n) = n == 0 ? 0 : b(n - 1); b(n) = a(n). One of the two must charge itself:
  // b does (3 instructions plus a's 11, folded), and the wrapper charges the first a.
  const type = { params: ["i32"], results: ["i32"] } as const;
  const bytes = build({
    funcs: [
      {
        type: { params: [...type.params], results: [...type.results] },
        export: "a",
        body: [
          ...[...op("local.get"), 0, ...op("i32.eqz"), ...op("if"), 0x7f, ...i32(0), ...op("else")],
          ...[...op("local.get"), 0, ...i32(1), ...op("i32.sub"), ...op("call"), 1, ...op("end")],
        ],
      },
      { type: { params: ["i32"], results: ["i32"] }, body: [...op("local.get"), 0, ...op("call"), 0] },
    ],
  });
  const loaded = await instantiate(meterModule(bytes, { entries: ["a"] }).bytes);
  for (const n of [0, 1, 2, 1000]) assert.equal(loaded.fn("a")(n, 1_000_000), [0, 1_000_000 - 11 - 14 * n], `a(${n})`);
  assert.is(
    outcome(loaded, () => loaded.fn("a")(1000, 11 + 14 * 999)),
    "fuel",
  );
});

test("a static function that calls a looping one: its own cost is folded, the callee charges itself", async () => {
  // count(n) loops (5 + 13 per loop header); outer(n) = count(n) + 1 is static.
  const looping = build({
    funcs: [
      { type: { params: ["i32"], results: ["i32"] }, locals: ["i32"], body: countBody },
      {
        type: { params: ["i32"], results: ["i32"] },
        export: "outer",
        body: [...op("local.get"), 0, ...op("call"), 0, ...i32(1), ...op("i32.add")],
      },
    ],
  });
  const loaded = await instantiate(meterModule(looping, { entries: ["outer"] }).bytes);
  // outer: local.get, call, i32.const, i32.add, end = 5.
  for (const n of [0, 7]) assert.equal(loaded.fn("outer")(n, 100_000), [n + 1, 100_000 - 5 - countCost(n)]);
});

test("bulk memory with a constant length is charged statically", async () => {
  const bytes = build({
    memory: { min: 1 },
    funcs: [
      {
        type: { params: [], results: [] },
        export: "clear",
        body: [...i32(0), ...i32(0), ...i32(64), ...op("memory.fill"), 0],
      },
    ],
  });
  const loaded = await instantiate(meterModule(bytes, { entries: ["clear"] }).bytes);
  // 5 instructions + 64 / 8.
  assert.is(loaded.fn("clear")(100), 100 - 13);
});

test("bulk memory pays per byte: memory.fill of n bytes costs n/8 more", async () => {
  const bytes = build({
    memory: { min: 1 },
    funcs: [
      {
        type: { params: ["i32"], results: [] },
        export: "fill",
        body: [...i32(0), ...i32(0xab), ...op("local.get"), 0, ...op("memory.fill"), 0],
      },
    ],
  });
  const loaded = await instantiate(meterModule(bytes, { entries: ["fill"] }).bytes);
  // i32.const, i32.const, local.get, memory.fill, end = 5, plus n >>> 3.
  for (const n of [0, 7, 8, 65536]) assert.is(loaded.fn("fill")(n, 100_000), 100_000 - 5 - (n >>> 3), `fill(${n})`);
  assert.is(
    outcome(loaded, () => loaded.fn("fill")(65536, 5 + 8191)),
    "fuel",
  );
});

test.run();
