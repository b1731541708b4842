// A hostile probe's cost to the request it rides on is bounded in time: the
// default budgets are one millisecond's worth of fuel (FUEL_PER_MS), operators
// may give budgets in milliseconds, memory.grow pays for the engine call it
// makes, and a probe that exhausts its budget (fuel or stack) twice in a row
// is quarantined, so a flood of requests does not pay it again and again.
// Each case names its exact outcome; the well-behaved `timing` probe beside
// it loses no span. (Times themselves are measured in bench/cases/hostile.ts.)
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { manualClock } from "../../host/clock/clock.js";
import { isSandprobeError } from "../../host/errors.js";
import {
  admitProbe,
  COST_MODEL_VERSION,
  meterModule,
  sandboxModule,
  takeFuelExhausted,
  takeMeteredTrap,
} from "../../host/load/index.js";
import { IMPORT_CALL_COST, MEMORY_GROW_COST, MEMORY_PAGE_SHIFT } from "../../host/load/meter/cost.js";
import type { ProbeRuntime } from "../../host/runtime/runtime.js";
import {
  DEFAULT_LIMITS,
  FUEL_PER_MS,
  type HostLimitOverrides,
  hostLimits,
  probeLimits,
} from "../../host/world/limits.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";
import { build, i32, op, u32 } from "./support/builder.js";
import { instantiate, instantiateMetered, type Loaded } from "./support/instance.js";

const parent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  traceFlags: 1,
  isRemote: true,
});

async function runtimeWith(hostile: string, limits: HostLimitOverrides = {}) {
  const tracing = memoryTracing();
  const clock = manualClock();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock, limits });
  await runtime.replaceAll([await probeBytes("hostile", hostile), await probeBytes("testing", "timing")]);
  return { runtime, tracing, clock };
}

function serve(runtime: ProbeRuntime): string[] {
  const scope = runtime.begin({ parent });
  scope.request();
  scope.response(200);
  scope.end();
  return scope.failures.map((f) => `${f.probe}.${f.hook}: ${f.error.code}`);
}

test("the default budgets are one millisecond of fuel each, and exhaustion quarantines after 2 in a row", () => {
  assert.is(DEFAULT_LIMITS.fuelPerHook, FUEL_PER_MS);
  assert.is(DEFAULT_LIMITS.fuelForInit, FUEL_PER_MS);
  assert.is(DEFAULT_LIMITS.quarantineAfterExhaustion, 2);
  assert.ok(DEFAULT_LIMITS.quarantineAfterExhaustion < DEFAULT_LIMITS.quarantineAfter);
});

test("budgets in time: hookTimeBudgetMs and initTimeBudgetMs become fuel at FUEL_PER_MS", () => {
  const limits = hostLimits({ hookTimeBudgetMs: 0.5, initTimeBudgetMs: 3 });
  assert.is(limits.fuelPerHook, FUEL_PER_MS / 2);
  assert.is(limits.fuelForInit, 3 * FUEL_PER_MS);
  assert.is(hostLimits({ hookTimeBudgetMs: 1e-9 }).fuelPerHook, 1, "never a budget of 0 from a tiny time");
});

test("budgets in time that make no sense are refused with E_LIMITS, never a RangeError", () => {
  const bad: HostLimitOverrides[] = [
    { hookTimeBudgetMs: 0 },
    { hookTimeBudgetMs: -1 },
    { hookTimeBudgetMs: Number.NaN },
    { hookTimeBudgetMs: Number.POSITIVE_INFINITY },
    { initTimeBudgetMs: 1e9 },
    { hookTimeBudgetMs: "1" as unknown as number },
    { hookTimeBudgetMs: 1, fuelPerHook: 1000 },
    { initTimeBudgetMs: 1, fuelForInit: 1000 },
    { quarantineAfterExhaustion: 0 },
  ];
  for (const limits of bad) {
    try {
      hostLimits(limits);
      assert.unreachable(`accepted ${JSON.stringify(limits)}`);
    } catch (error) {
      assert.ok(isSandprobeError(error, "E_LIMITS"), `${JSON.stringify(limits)}: ${String(error)}`);
    }
  }
});

test("a time budget reaches the probe: an infinite loop runs out of exactly the fuel 0.1 ms buys", async () => {
  const { runtime } = await runtimeWith("infinite-loop", { hookTimeBudgetMs: 0.1 });
  const scope = runtime.begin({ parent });
  scope.request();
  scope.end();
  const [failure] = scope.failures;
  assert.ok(failure && isSandprobeError(failure.error, "E_FUEL_EXHAUSTED"));
  assert.is(failure.error.detail.budget, FUEL_PER_MS / 10);
});

test("memory.grow in a loop with the default limits: E_FUEL_EXHAUSTED twice, then quarantined; timing loses nothing", async () => {
  const { runtime, tracing } = await runtimeWith("memory-grow-loop");
  for (let i = 0; i < 2; i++) assert.equal(serve(runtime), ["memory-grow-loop.request: E_FUEL_EXHAUSTED"]);
  for (let i = 0; i < 50; i++) assert.equal(serve(runtime), [], "quarantined: the flood does not pay it again");
  const stats = runtime.stats();
  assert.is(stats["memory-grow-loop"]?.errors.E_FUEL_EXHAUSTED, 2);
  assert.is(stats["memory-grow-loop"]?.quarantines, 1);
  assert.is(stats["memory-grow-loop"]?.skippedWhileQuarantined, 50);
  assert.is(tracing.byName("timed.parent").length, 52);
  assert.is(stats.timing?.failures, 0);
});

test("memory.grow costs 1 + MEMORY_GROW_COST fuel, and each page it adds 1 << MEMORY_PAGE_SHIFT more (cost model 5)", async () => {
  // grow(n): memory.grow n then drop: 4 instructions (local.get, memory.grow, drop, end) + the grow's extra.
  const module = build({
    memory: { min: 0, max: 4 },
    exports: [{ name: "memory", kind: "memory", index: 0 }],
    funcs: [
      {
        type: { params: ["i32"], results: [] },
        export: "grow",
        body: [...op("local.get"), 0, ...op("memory.grow"), 0, ...op("drop")],
      },
    ],
  });
  const PAGE = 1 << MEMORY_PAGE_SHIFT;
  const used = (loaded: Loaded, pages: number, budget = 1_000_000) =>
    budget - (loaded.fn("grow")(pages, budget) as number);
  const loaded = await instantiate(meterModule(module, { entries: ["grow"] }).bytes);
  assert.is(used(loaded, 1), 4 + MEMORY_GROW_COST + PAGE, "grows 1 page");
  assert.is(used(loaded, 3), 4 + MEMORY_GROW_COST + 3 * PAGE, "grows 3 pages, up to the maximum");
  // At the maximum: a grow fails (memory.grow says -1) and pays no pages, however many it asked for.
  assert.is(used(loaded, 1), 4 + MEMORY_GROW_COST, "fails at the maximum");
  assert.is(used(loaded, 0xffff_ffff), 4 + MEMORY_GROW_COST, "asks for 2^32 - 1 pages");
  // The pages are charged before the grow: without the fuel for them, nothing is grown.
  const fresh = await instantiate(meterModule(module, { entries: ["grow"] }).bytes);
  try {
    fresh.fn("grow")(2, 4 + MEMORY_GROW_COST + PAGE);
    assert.unreachable("grew 2 pages on the fuel for 1");
  } catch (error) {
    assert.instance(error, WebAssembly.RuntimeError);
    assert.ok(takeFuelExhausted(fresh.exports));
  }
  assert.is((fresh.exports.memory as WebAssembly.Memory).buffer.byteLength, 0, "no page was added");
  // memoryMaxPages (what the sandbox caps the memory at) is the maximum a grow is judged by.
  const capped = await instantiate(meterModule(module, { entries: ["grow"], memoryMaxPages: 2 }).bytes);
  assert.is(used(capped, 3), 4 + MEMORY_GROW_COST, "past the cap given: not charged pages");
});

test("a table length of 2^31 or more is charged as a large length, never as negative fuel", async () => {
  // grow(n): table.grow(ref.null, n); fill(n): table.fill(0, ref.null, n). Lengths are u32: before
  // the clamp, i32.sub of a "negative" length added fuel (one call minted ~1 M fuel), and a length of
  // exactly 2^31 + fuel left made the counter read as a depth trap.
  const NOOP_I32 = { params: ["i32"], results: [] } as const;
  const module = build({
    table: { min: 1, max: 10 },
    funcs: [
      {
        type: NOOP_I32,
        export: "grow",
        body: [...op("ref.null"), 0x70, ...op("local.get"), 0, ...op("table.grow"), 0, ...op("drop")],
      },
      {
        type: NOOP_I32,
        export: "fill",
        body: [...i32(0), ...op("ref.null"), 0x70, ...op("local.get"), 0, ...op("table.fill"), 0],
      },
    ],
  });
  const loaded = await instantiate(meterModule(module, { entries: ["grow", "fill"] }).bytes);
  const outcome = (name: string, length: number, budget: number) => {
    try {
      return budget - (loaded.fn(name)(length, budget) as number);
    } catch (error) {
      assert.instance(error, WebAssembly.RuntimeError);
      return takeMeteredTrap(loaded.exports);
    }
  };
  // A small length is charged exactly (5 instructions with the end, plus the length).
  assert.is(outcome("grow", 3, 1_000_000), 5 + 3);
  for (const length of [-1_000_000, -1, 2 ** 31 - 1]) {
    assert.is(outcome("grow", length, 1_000_000), "fuel", `grow(${length >>> 0})`);
    assert.is(outcome("fill", length, 1_000_000), "fuel", `fill(${length >>> 0})`);
  }
  // 2^31 + the fuel left after the static charge: the counter must not land on DEPTH_EXCEEDED.
  for (const budget of [5, 6, 7, 8])
    assert.is(outcome("fill", 2 ** 31 + budget - 5, budget), "fuel", `budget ${budget}`);
});

test("a 10 MB string with the default budget: fuel runs out at the grow, before the pages exist", async () => {
  // Before cost model 5 the grow succeeded: ~0.3-0.8 ms of commit and collection per call, beyond the budget.
  const admitted = admitProbe(await probeBytes("hostile", "huge-attribute"));
  const limits = probeLimits(DEFAULT_LIMITS, admitted.manifest.limits);
  const loaded = await instantiateMetered(sandboxModule(admitted.module, limits).bytes);
  (loaded.fn("init") as (budget: number) => number)(limits.fuelForInit);
  const memory = loaded.exports.memory as WebAssembly.Memory;
  const before = memory.buffer.byteLength;
  try {
    loaded.fn("request")(limits.fuelPerHook);
    assert.unreachable("a 10 MB string was built in one default budget");
  } catch (error) {
    assert.instance(error, WebAssembly.RuntimeError);
    assert.ok(takeFuelExhausted(loaded.exports), "fuel, not another trap");
  }
  assert.is(memory.buffer.byteLength, before, "not one page was added");
});

test("a call that can reach the host costs 1 + IMPORT_CALL_COST fuel (since cost model 4)", async () => {
  // A refused host call still costs ~50-80 ns: charged 1, a loop of them ran ~4x past its budget in time.
  const NOOP = { params: [], results: [] } as const;
  const module = (tableHolds: readonly number[]) =>
    build({
      imports: [{ module: "env", name: "host", type: NOOP }],
      table: { min: 2, max: 2 },
      elements: [{ offset: 0, funcs: tableHolds }],
      funcs: [
        // call 0 (the import), end: 2 instructions.
        { type: NOOP, export: "direct", body: [...op("call"), ...u32(0)] },
        { type: NOOP, body: [] },
        // call_indirect of slot 0 (function 2, the local one), end: 3 instructions, + the callee's end.
        { type: NOOP, export: "indirect", body: [...i32(0), ...op("call_indirect"), ...u32(0), 0] },
      ],
    });
  const used = async (bytes: Uint8Array, name: string) => {
    const loaded = await instantiate(meterModule(bytes, { entries: ["direct", "indirect"] }).bytes, {
      env: { host: () => {} },
    });
    const [left] = [loaded.fn(name)(1_000_000)].flat() as number[];
    return 1_000_000 - (left as number);
  };
  const localOnly = module([2]);
  const importToo = module([2, 0]);
  assert.is(await used(localOnly, "direct"), 2 + IMPORT_CALL_COST);
  assert.is(await used(importToo, "direct"), 2 + IMPORT_CALL_COST);
  // The same indirect call of the same local function: dearer only where a table can hold the import.
  assert.is(await used(localOnly, "indirect"), 4);
  assert.is(await used(importToo, "indirect"), 4 + IMPORT_CALL_COST);
  assert.ok(COST_MODEL_VERSION >= 4);
});

test("a loop in init with the default limits: the load fails with E_FUEL_EXHAUSTED within the 1 ms budget", async () => {
  const runtime = unsignedRuntime({ tracerProvider: memoryTracing().provider });
  try {
    await runtime.load(await probeBytes("hostile", "infinite-loop-init"));
    assert.unreachable("loaded");
  } catch (error) {
    if (!isSandprobeError(error, "E_FUEL_EXHAUSTED")) throw error;
    assert.is(error.detail.budget, DEFAULT_LIMITS.fuelForInit);
  }
  assert.equal(runtime.probes(), []);
});

test("deep recursion with the default limits: out of stack or fuel, quarantined after 2 in a row; timing loses nothing", async () => {
  const { runtime, tracing } = await runtimeWith("deep-recursion");
  const first = serve(runtime);
  const second = serve(runtime);
  for (const failures of [first, second]) {
    assert.is(failures.length, 1);
    assert.match(failures[0] ?? "", /^deep-recursion\.request: E_(FUEL_EXHAUSTED|PROBE_TRAP)$/);
  }
  for (let i = 0; i < 10; i++) assert.equal(serve(runtime), []);
  const stats = runtime.stats()["deep-recursion"];
  assert.is(stats?.quarantines, 1);
  assert.is(stats?.skippedWhileQuarantined, 10);
  assert.is(tracing.byName("timed.parent").length, 12);
});

test("a stack overflow counts as exhaustion: with fuel enough to reach it, 2 in a row quarantine (not quarantineAfter 5)", async () => {
  const { runtime } = await runtimeWith("deep-recursion", { fuelPerHook: 2_000_000_000 });
  for (let i = 0; i < 2; i++) assert.equal(serve(runtime), ["deep-recursion.request: E_PROBE_TRAP"]);
  assert.match(runtime.stats()["deep-recursion"]?.lastError ?? "", "stack overflow");
  assert.equal(serve(runtime), []);
  assert.is(runtime.stats()["deep-recursion"]?.quarantines, 1);
});

test("a span flood with the default limits: its 32 spans are kept, then fuel stops it; quarantined after 2", async () => {
  const { runtime, tracing } = await runtimeWith("span-flood");
  for (let i = 0; i < 2; i++) assert.equal(serve(runtime), ["span-flood.request: E_FUEL_EXHAUSTED"]);
  assert.equal(serve(runtime), []);
  const stats = runtime.stats()["span-flood"];
  assert.is(stats?.quarantines, 1);
  // Spans a failed call left open are ended by the host, never lost or leaked.
  assert.is(stats?.spansStarted, stats?.spansEnded);
  assert.is(tracing.byName("timed.parent").length, 3);
});

test("a trap that is not an exhaustion keeps the slower rule: trap-every-second is never quarantined", async () => {
  const { runtime } = await runtimeWith("trap-every-second");
  for (let i = 0; i < 20; i++) serve(runtime);
  assert.is(runtime.stats()["trap-every-second"]?.errors.E_PROBE_TRAP, 10);
  assert.is(runtime.stats()["trap-every-second"]?.quarantines, 0);
});

test.run();
