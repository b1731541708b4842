// Call depth (cost model 5): a recursion traps at CALL_DEPTH_LIMIT nested
// calls of recursive functions, long before V8's stack runs out (whose
// unwinding cost ~2 ms); functions that cannot recur are not counted; the
// host can tell a depth trap from fuel.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CALL_DEPTH_LIMIT, DEPTH_EXPORT, meterModule } from "../../host/load/index.js";
import { probeBytes } from "../support/probes.js";
import { build, type FuncSpec, i32, op, u32 } from "./support/builder.js";
import { instantiate, instantiateMetered, outcome } from "./support/instance.js";

const I32_I32 = { params: ["i32"], results: ["i32"] } as const;
const NOOP = { params: [], results: [] } as const;

/** if (n == 0) 0 else callee(n - 1) + 1, where the callee comes from `call`. */
function countDown(call: number[]): number[] {
  return [
    ...op("local.get"),
    0,
    ...op("i32.eqz"),
    ...op("if"),
    0x7f,
    ...i32(0),
    ...op("else"),
    ...op("local.get"),
    0,
    ...i32(1),
    ...op("i32.sub"),
    ...call,
    ...i32(1),
    ...op("i32.add"),
    ...op("end"),
  ];
}

// down(n) enters itself n + 1 times.
const LAST_DOWN = CALL_DEPTH_LIMIT - 1;

test("self-recursion: CALL_DEPTH_LIMIT nested calls run, one more traps as depth, and takeMeteredTrap gives the depth back", async () => {
  const bytes = build({ funcs: [{ type: I32_I32, export: "down", body: countDown([...op("call"), ...u32(0)]) }] });
  const loaded = await instantiate(meterModule(bytes, { entries: ["down"] }).bytes);
  const down = loaded.fn("down");
  assert.is((down(LAST_DOWN, 1e9) as number[])[0], LAST_DOWN);
  assert.is(
    outcome(loaded, () => down(LAST_DOWN + 1, 1e9)),
    "depth",
  );
  // The trap left the depth used up; takeMeteredTrap (in outcome) reset it.
  assert.is((down(LAST_DOWN, 1e9) as number[])[0], LAST_DOWN);
  // A small budget still ends as fuel: the counter tells the two apart.
  assert.is(
    outcome(loaded, () => down(LAST_DOWN, 1000)),
    "fuel",
  );
  // The unmetered module recurses past the limit: the limit is the sandbox's.
  const plain = await instantiate(bytes);
  assert.is(plain.fn("down")(CALL_DEPTH_LIMIT + 1), CALL_DEPTH_LIMIT + 1);
});

test("every way out of a counted function gives its depth back: return, br, br_if, br_table, the end", async () => {
  // f(x): x == 0 returns 7 (return); x == 1 gives 8 (br_if to the function's label);
  // x == 2 gives 9 (br_table to it); else f(x - 3) + 1 (the final end).
  const f = [
    ...[...op("local.get"), 0, ...op("i32.eqz"), ...op("if"), 0x40, ...i32(7), ...op("return"), ...op("end")],
    ...[...i32(8), ...op("local.get"), 0, ...i32(1), ...op("i32.eq"), ...op("br_if"), 0, ...op("drop")],
    ...[...op("block"), 0x7f, ...i32(9), ...op("local.get"), 0, ...i32(2), ...op("i32.sub")],
    ...[...op("br_table"), 1, 1, 0, ...op("end"), ...op("drop")],
    ...[...op("local.get"), 0, ...i32(3), ...op("i32.sub"), ...op("call"), 0, ...i32(1), ...op("i32.add")],
  ];
  // g(x) -> (i32, i32): two results, so its block needs a type of its own.
  const TWO = { params: ["i32"], results: ["i32", "i32"] } as const;
  const g = [
    ...[...op("local.get"), 0, ...op("i32.eqz"), ...op("if"), 0x40, ...i32(1), ...i32(2), ...op("return")],
    ...[...op("end"), ...op("local.get"), 0, ...i32(1), ...op("i32.sub"), ...op("call"), 1],
  ];
  // h(x) = a(x - 1), a(x) = x == 0 ? 5 : h(x): h has a loop and charges itself; a is folded into
  // its caller's charge (static) yet recursive, and returns with `return`.
  const h = [...op("loop"), 0x40, ...op("end"), ...op("local.get"), 0, ...i32(1), ...op("i32.sub"), ...op("call"), 3];
  const a = [
    ...[...op("local.get"), 0, ...op("i32.eqz"), ...op("if"), 0x40, ...i32(5), ...op("return"), ...op("end")],
    ...[...op("local.get"), 0, ...op("call"), 2],
  ];
  const bytes = build({
    funcs: [
      { type: I32_I32, export: "f", body: f },
      { type: TWO, export: "g", body: g },
      { type: I32_I32, export: "h", body: h },
      { type: I32_I32, body: a },
    ],
  });
  const plain = await instantiate(bytes);
  const loaded = await instantiate(meterModule(bytes, { entries: ["f", "g", "h"] }).bytes);
  // Three times the limit in calls: a path that kept its depth would run out.
  for (let i = 0; i < 3 * CALL_DEPTH_LIMIT; i++) {
    const x = i % 7;
    assert.is((loaded.fn("f")(x, 1e9) as number[])[0], plain.fn("f")(x), `f(${x})`);
    assert.is((loaded.fn("h")(1 + (i % 3), 1e9) as number[])[0], 5);
  }
  for (let i = 0; i < (3 * CALL_DEPTH_LIMIT) / 10; i++) {
    assert.equal((loaded.fn("g")(9, 1e9) as number[]).slice(0, 2), [1, 2]);
  }
  assert.is((loaded.exports[DEPTH_EXPORT] as WebAssembly.Global).value, CALL_DEPTH_LIMIT);
  assert.is(
    outcome(loaded, () => loaded.fn("g")(CALL_DEPTH_LIMIT, 1e9)),
    "depth",
  );
});

test("mutual recursion and recursion through a table are counted", async () => {
  const mutual = build({
    funcs: [
      { type: I32_I32, export: "ping", body: countDown([...op("call"), ...u32(1)]) },
      { type: I32_I32, body: countDown([...op("call"), ...u32(0)]) },
    ],
  });
  const viaTable = build({
    table: { min: 1, max: 1 },
    elements: [{ offset: 0, funcs: [0] }],
    funcs: [
      {
        type: I32_I32,
        export: "down",
        body: countDown([...i32(0), ...op("call_indirect"), ...u32(0), 0]),
      },
    ],
  });
  for (const [bytes, entry] of [
    [mutual, "ping"],
    [viaTable, "down"],
  ] as const) {
    const loaded = await instantiate(meterModule(bytes, { entries: [entry] }).bytes);
    assert.is((loaded.fn(entry)(LAST_DOWN, 1e9) as number[])[0], LAST_DOWN, entry);
    assert.is(
      outcome(loaded, () => loaded.fn(entry)(LAST_DOWN + 1, 1e9)),
      "depth",
      entry,
    );
  }
});

test("recursion through the host: counted when the import may call back, not otherwise", async () => {
  // "enter" calls the import, whose JavaScript calls the exported "back", which calls "enter" again.
  const bytes = build({
    imports: [{ module: "env", name: "host", type: { params: ["i32"], results: [] } }],
    funcs: [
      { type: { params: ["i32"], results: [] }, export: "enter", body: [...op("local.get"), 0, ...op("call"), 0] },
      { type: { params: ["i32"], results: [] }, export: "back", body: [...op("local.get"), 0, ...op("call"), 1] },
    ],
  });
  const run = async (reentrant: Uint8Array) => {
    let back: ((n: number) => void) | undefined;
    const loaded = await instantiate(meterModule(bytes, { entries: ["enter"], reentrant }).bytes, {
      env: { host: (n: number) => (n > 0 ? back?.(n - 1) : undefined) },
    });
    back = loaded.fn("back") as (n: number) => void;
    return loaded;
  };
  // enter(n) is entered n + 1 times, back n times: 2n + 1 nested counted calls.
  const counted = await run(Uint8Array.of(1));
  assert.type(counted.fn("enter")(CALL_DEPTH_LIMIT / 2 - 1, 1e9), "number");
  assert.is(
    outcome(counted, () => counted.fn("enter")(CALL_DEPTH_LIMIT / 2, 1e9)),
    "depth",
  );
  // An import that never calls back cannot carry a recursion: nothing is counted.
  const uncounted = await run(Uint8Array.of(0));
  assert.type(uncounted.fn("enter")(CALL_DEPTH_LIMIT / 2, 1e9), "number");
});

test("a chain of calls that cannot recur is not counted, unless it is longer than the path limit", async () => {
  // top -> f1 -> ... -> f(n-1) -> the import "peek": n distinct functions, no cycle.
  const chain = (n: number) => {
    const funcs: FuncSpec[] = [];
    for (let i = 0; i < n; i++) {
      const body = [...op("call"), ...u32(i + 1 < n ? i + 2 : 0)];
      funcs.push(i === 0 ? { type: NOOP, export: "top", body } : { type: NOOP, body });
    }
    return build({ imports: [{ module: "env", name: "peek", type: NOOP }], funcs });
  };
  /** The depth left as the import at the bottom of the chain sees it. */
  const depthAtBottom = async (n: number) => {
    let seen: unknown;
    let depth: WebAssembly.Global | undefined;
    const peek = () => {
      seen = depth?.value;
    };
    const loaded = await instantiate(meterModule(chain(n), { entries: ["top"] }).bytes, { env: { peek } });
    depth = loaded.exports[DEPTH_EXPORT] as WebAssembly.Global;
    return outcome(loaded, () => loaded.fn("top")(1e9)) === "depth" ? "depth" : seen;
  };
  assert.is(await depthAtBottom(200), CALL_DEPTH_LIMIT, "nothing counted");
  // Longer than the path limit: every function counts.
  assert.is(await depthAtBottom(2000), CALL_DEPTH_LIMIT - 2000);
  assert.is(await depthAtBottom(6000), "depth");
});

test("frames too large for the limit: V8's stack runs out first, a RangeError that is not a metering trap", async () => {
  // Each frame holds 4000 i64 locals (~32 KB): the stack runs out after a few dozen.
  const locals = new Array<"i64">(4000).fill("i64");
  const bytes = build({
    funcs: [{ type: I32_I32, locals, export: "down", body: countDown([...op("call"), ...u32(0)]) }],
  });
  const loaded = await instantiate(meterModule(bytes, { entries: ["down"] }).bytes);
  assert.is(
    outcome(loaded, () => loaded.fn("down")(CALL_DEPTH_LIMIT, 1e9)),
    "stack",
  );
  assert.is((loaded.fn("down")(3, 1e9) as number[])[0], 3, "the instance still serves calls");
});

test("the deep-recursion probe: fuel with a small budget, the depth limit with a huge one", async () => {
  const bytes = meterModule(await probeBytes("hostile", "deep-recursion"), { entries: ["init", "request"] }).bytes;
  const loaded = await instantiateMetered(bytes);
  assert.is(
    outcome(loaded, () => loaded.fn("request")(20_000)),
    "fuel",
  );
  assert.is(
    outcome(loaded, () => loaded.fn("request")(2_000_000_000)),
    "depth",
  );
  assert.is(typeof loaded.fn("init")(1000), "number", "the instance still serves calls");
});

test.run();
