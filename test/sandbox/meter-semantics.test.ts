// Metering must not change what a probe computes: the same AssemblyScript
// probes, metered and unmetered, give the same results, and every metered
// call reports the fuel it used.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { meterModule, START_EXPORT } from "../../host/load/index.js";
import { readSections, SectionId } from "../../host/wasm/index.js";
import { probeBytes } from "../support/probes.js";
import { instantiate, instantiateMetered, type Loaded } from "./support/instance.js";

const BUDGET = 2_000_000_000;
const HOOKS = ["init", "request", "response"];

async function pair(group: "testing" | "examples" | "hostile", name: string, entries: string[]) {
  const bytes = await probeBytes(group, name);
  const plain = await instantiate(bytes);
  const metered = await instantiateMetered(meterModule(bytes, { entries }).bytes);
  return { plain, metered };
}

/** Call a metered entry that returns one value: [result, fuel left]. */
function call(loaded: Loaded, name: string, ...args: unknown[]): [unknown, number] {
  const out = loaded.fn(name)(...args, BUDGET) as [unknown, number];
  assert.ok(Array.isArray(out) && out.length === 2, `${name} returns [result, left]`);
  return out;
}

test("FNV-1a hash: same hashes metered and unmetered, fuel grows with the work", async () => {
  const { plain, metered } = await pair("testing", "fnv-hash", [...HOOKS, "fnv"]);
  plain.fn("init")();
  metered.fn("init")(BUDGET);
  let lastUsed = 0;
  for (const [len, rounds] of [
    [0, 1],
    [1, 1],
    [7, 3],
    [1024, 1],
    [1024, 10],
  ] as const) {
    const [hash, left] = call(metered, "fnv", len, rounds);
    assert.is(hash, plain.fn("fnv")(len, rounds), `fnv(${len}, ${rounds})`);
    const used = BUDGET - left;
    assert.ok(used > lastUsed, `fuel grows with work (${used} after ${lastUsed})`);
    lastUsed = used;
  }
  // 10 KiB of hashing costs at least one fuel per byte: the inner loop is charged per iteration.
  assert.ok(lastUsed > 10 * 1024, `used ${lastUsed}`);
});

test("binary search from the host and from a wasm loop: same answers", async () => {
  const { plain, metered } = await pair("testing", "binary-search", [...HOOKS, "search", "searchMany"]);
  plain.fn("init")();
  metered.fn("init")(BUDGET);
  for (let key = -3; key < 4096 * 3 + 3; key += 5) {
    assert.is(call(metered, "search", key)[0], plain.fn("search")(key), `search(${key})`);
  }
  assert.is(call(metered, "searchMany", 10_000)[0], plain.fn("searchMany")(10_000));
});

test("recursion: results and the probe's own call counter match", async () => {
  const { plain, metered } = await pair("testing", "recursion", [...HOOKS, "depth", "fib", "callCount"]);
  // Up to the call depth limit (cost model 5; call-depth.test.ts goes past it).
  for (const n of [0, 1, 100, 4000]) assert.is(call(metered, "depth", n)[0], plain.fn("depth")(n));
  for (const n of [0, 1, 2, 10, 20]) assert.is(call(metered, "fib", n)[0], plain.fn("fib")(n));
  assert.is(call(metered, "callCount")[0], plain.fn("callCount")());
  // Past the limit only the metered one stops.
  assert.throws(
    () => call(metered, "depth", 5000),
    (error: unknown) => error instanceof WebAssembly.RuntimeError,
  );
  assert.is(plain.fn("depth")(5000), 5000);
});

test("every example and hostile probe still compiles and instantiates once metered", async () => {
  for (const [group, name] of [
    ["examples", "latency"],
    ["examples", "sampler"],
    ["examples", "slow-detector"],
    ["hostile", "infinite-loop"],
    ["hostile", "memory-bomb"],
    ["hostile", "deep-recursion"],
  ] as const) {
    const bytes = await probeBytes(group, name);
    const { bytes: out, info } = meterModule(bytes, { entries: HOOKS });
    assert.ok(WebAssembly.validate(out as Uint8Array<ArrayBuffer>), `${name} validates`);
    assert.equal(info.entries, HOOKS, name);
    const hadStart = readSections(bytes).some((s) => s.id === SectionId.start);
    assert.is(info.startExport, hadStart ? START_EXPORT : null, `${name}: a start function becomes an entry`);
    assert.not.ok(
      readSections(out).some((s) => s.id === SectionId.start),
      `${name}: no start section runs unmetered`,
    );
    const loaded = await instantiateMetered(out);
    assert.is(typeof loaded.fn("init")(BUDGET), "number", `${name}: init(budget) returns the fuel left`);
  }
});

test.run();
