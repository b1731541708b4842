// Memory, table and global limits: every memory and table gets a maximum no
// larger than the policy, growth past it fails inside WebAssembly (-1), and
// modules that need more from the start are refused with a typed error.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { limitResources, meterModule, type ResourceLimits, takeFuelExhausted } from "../../host/load/index.js";
import { parseModule } from "../../host/wasm/index.js";
import { DEFAULT_LIMITS, probeLimits } from "../../host/world/limits.js";
import { errorCodeOf } from "../support/errors.js";
import { probeBytes, seededBytes } from "../support/probes.js";
import { build, type FuncSpec, i32, type ModuleSpec, op } from "./support/builder.js";
import { instantiate, instantiateMetered } from "./support/instance.js";

const policy = (over: Partial<ResourceLimits> = {}): ResourceLimits => ({ ...DEFAULT_LIMITS, ...over });

// grow(n) -> memory.grow(n); pages() -> memory.size; tgrow(n) -> table.grow(null, n).
const growable = (memory: { min: number; max?: number }, table?: { min: number; max?: number }): ModuleSpec => ({
  memory,
  ...(table ? { table } : {}),
  funcs: [
    {
      export: "grow",
      type: { params: ["i32"], results: ["i32"] },
      body: [...op("local.get"), 0, ...op("memory.grow"), 0],
    },
    { export: "pages", type: { params: [], results: ["i32"] }, body: [...op("memory.size"), 0] },
    ...(table
      ? [
          <FuncSpec>{
            export: "tgrow",
            type: { params: ["i32"], results: ["i32"] },
            body: [...op("ref.null"), 0x70, ...op("local.get"), 0, ...op("table.grow"), 0],
          },
        ]
      : []),
  ],
});

test("a memory without a maximum gets the cap, and memory.grow past it returns -1", async () => {
  const bytes = limitResources(build(growable({ min: 1 })), policy({ memoryPages: 4 }));
  assert.equal(parseModule(bytes).memories, [{ min: 1, max: 4 }]);
  const loaded = await instantiate(bytes);
  assert.is(loaded.fn("grow")(3), 1);
  assert.is(loaded.fn("grow")(1), -1, "one page past the cap");
  assert.is(loaded.fn("grow")(65535), -1);
  assert.is(loaded.fn("pages")(), 4);
});

test("a smaller declared maximum is kept; a larger one is lowered to the cap", () => {
  const low = limitResources(build(growable({ min: 1, max: 2 })), policy({ memoryPages: 4 }));
  assert.equal(parseModule(low).memories, [{ min: 1, max: 2 }]);
  const high = limitResources(build(growable({ min: 1, max: 60_000 })), policy({ memoryPages: 4 }));
  assert.equal(parseModule(high).memories, [{ min: 1, max: 4 }]);
});

test("a memory whose minimum is above the cap is refused with E_MEMORY_LIMIT", () => {
  assert.is(
    errorCodeOf(() => limitResources(build(growable({ min: 5 })), policy({ memoryPages: 4 }))),
    "E_MEMORY_LIMIT",
  );
  assert.is(
    errorCodeOf(() => limitResources(build(growable({ min: 4 })), policy({ memoryPages: 4 }))),
    "accepted",
  );
});

test("an imported memory's declared limits are capped too, so the host cannot be asked for more", async () => {
  const spec: ModuleSpec = { memoryImport: { module: "env", name: "memory", min: 1 }, funcs: [] };
  const bytes = limitResources(build(spec), policy({ memoryPages: 8 }));
  const module = parseModule(bytes);
  const imported = module.imports[0];
  assert.ok(imported?.desc.kind === "memory");
  if (imported?.desc.kind === "memory") assert.equal(imported.desc.limits, { min: 1, max: 8 });
  const big = new WebAssembly.Memory({ initial: 1, maximum: 100 });
  await assert.not.throws(async () => {
    await WebAssembly.instantiate(build(spec) as Uint8Array<ArrayBuffer>, { env: { memory: big } });
  });
  try {
    await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, { env: { memory: big } });
    assert.unreachable("a memory larger than the cap was accepted");
  } catch (error) {
    assert.instance(error, WebAssembly.LinkError);
  }
});

test("tables get the cap as maximum: table.grow past it returns -1; a larger minimum is refused", async () => {
  const bytes = limitResources(build(growable({ min: 1 }, { min: 2 })), policy({ tableElements: 10 }));
  const loaded = await instantiate(bytes);
  assert.is(loaded.fn("tgrow")(8), 2);
  assert.is(loaded.fn("tgrow")(1), -1);
  assert.is(
    errorCodeOf(() => limitResources(build(growable({ min: 1 }, { min: 11 })), policy({ tableElements: 10 }))),
    "E_TABLE_LIMIT",
  );
});

test("more globals than the policy allows are refused with E_GLOBAL_LIMIT", () => {
  const globals = Array.from({ length: 5 }, () => ({ type: "i32" as const, mutable: true, init: i32(0) }));
  const bytes = build({ funcs: [], globals });
  assert.is(
    errorCodeOf(() => limitResources(bytes, policy({ globals: 4 }))),
    "E_GLOBAL_LIMIT",
  );
  assert.is(
    errorCodeOf(() => limitResources(bytes, policy({ globals: 5 }))),
    "accepted",
  );
});

test("the memory-bomb probe, capped at its manifest's 16 pages and metered, cannot grow past the cap", async () => {
  const original = await probeBytes("hostile", "memory-bomb");
  const pages = probeLimits(DEFAULT_LIMITS, { memoryPages: 16 }).memoryPages;
  assert.is(pages, 16);
  const host = { ...DEFAULT_LIMITS, memoryPages: 64 };
  assert.is(probeLimits(host, {}).memoryPages, 64);
  assert.is(
    probeLimits(host, { memoryPages: 1000 }).memoryPages,
    64,
    "a manifest cannot ask for more than the host allows",
  );
  const limited = limitResources(original, policy({ memoryPages: pages }));
  const bytes = meterModule(limited, { entries: ["init", "request", "response", "pages"] }).bytes;
  const loaded = await instantiateMetered(bytes);
  // request: memory.grow(1) until it fails; returns normally once grow says -1.
  assert.is(typeof loaded.fn("request")(10_000_000), "number");
  assert.equal((loaded.fn("pages")(1000) as number[])[0], 16);
  // response: allocate 1 MiB buffers forever; the allocator traps when memory.grow fails (not fuel).
  try {
    loaded.fn("response")(2_000_000_000);
    assert.unreachable("the allocation bomb returned");
  } catch (error) {
    assert.instance(error, WebAssembly.RuntimeError);
    assert.not.ok(takeFuelExhausted(loaded.exports), "out of memory, not out of fuel");
  }
  assert.equal((loaded.fn("pages")(1000) as number[])[0], 16);
});

test("truncated or noisy modules give typed errors only", async () => {
  const original = await probeBytes("examples", "latency");
  for (let length = 0; length < original.length; length += 3) {
    const result = errorCodeOf(() => limitResources(original.subarray(0, length)));
    assert.ok(["accepted", "E_MALFORMED", "E_UNSUPPORTED"].includes(result), `length ${length}: ${result}`);
  }
  for (let seed = 1; seed <= 500; seed++) {
    const noisy = original.slice();
    const noise = seededBytes(seed, 4);
    noisy[(((noise[0] as number) << 8) | (noise[1] as number)) % noisy.length] = noise[2] as number;
    const result = errorCodeOf(() => limitResources(noisy));
    assert.ok(
      ["accepted", "E_MALFORMED", "E_UNSUPPORTED", "E_MEMORY_LIMIT", "E_TABLE_LIMIT", "E_GLOBAL_LIMIT"].includes(
        result,
      ),
      `seed ${seed}: ${result}`,
    );
  }
});

test("limits outside what WebAssembly can express are refused as limits, not blamed on the probe: E_LIMITS", () => {
  assert.is(
    errorCodeOf(() => limitResources(build(growable({ min: 1 })), policy({ memoryPages: 70_000 }))),
    "E_LIMITS",
  );
});

test.run();
