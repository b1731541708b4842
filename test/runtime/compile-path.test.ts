/**
 * How the runtime compiles a probe: a lone probe-sized module synchronously,
 * the probes of a batch (a bundle) with WebAssembly.compile so the engine
 * compiles them in parallel, and, where an engine refuses synchronous
 * compiles (a browser's main thread throws RangeError), asynchronously.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isSandprobeError } from "../../host/index.js";
import { admitProbe } from "../../host/load/admit.js";
import { prepareProbe } from "../../host/load/prepare.js";
import { hostLimits } from "../../host/world/limits.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

type Counts = { sync: number; async: number };

/** Count the synchronous and asynchronous compiles made while `run` runs (optionally refusing the sync ones). */
async function countingCompiles(run: () => Promise<unknown>, refuseSync = false): Promise<Counts> {
  const counts = { sync: 0, async: 0 };
  const OriginalModule = WebAssembly.Module;
  const originalCompile = WebAssembly.compile;
  const Counting = function (this: unknown, bytes: BufferSource) {
    counts.sync++;
    if (refuseSync) throw new RangeError("WebAssembly.Module(): Buffer size is larger than the main thread allows");
    return new OriginalModule(bytes);
  } as unknown as typeof WebAssembly.Module;
  Object.assign(Counting, { imports: OriginalModule.imports, exports: OriginalModule.exports });
  Counting.prototype = OriginalModule.prototype;
  WebAssembly.Module = Counting;
  WebAssembly.compile = (bytes: BufferSource) => {
    counts.async++;
    return originalCompile(bytes);
  };
  try {
    await run();
  } finally {
    WebAssembly.Module = OriginalModule;
    WebAssembly.compile = originalCompile;
  }
  return counts;
}

test("a lone probe-sized module compiles synchronously", async () => {
  const admitted = admitProbe(await probeBytes("examples", "latency"));
  let compiled: WebAssembly.Module | undefined;
  const counts = await countingCompiles(async () => {
    compiled = (await prepareProbe(admitted, hostLimits())).compiled;
  });
  assert.equal(counts, { sync: 1, async: 0 });
  assert.ok(compiled instanceof WebAssembly.Module);
  assert.ok(WebAssembly.Module.exports(compiled).some((e) => e.name === "response"));
});

test("a probe of a batch compiles off the calling thread", async () => {
  const admitted = admitProbe(await probeBytes("examples", "latency"));
  const counts = await countingCompiles(() => prepareProbe(admitted, hostLimits(), undefined, { batch: true }));
  assert.equal(counts, { sync: 0, async: 1 });
});

test("the runtime compiles one probe in place and the probes of a set off-thread", async () => {
  const latency = await probeBytes("examples", "latency");
  const sampler = await probeBytes("examples", "sampler");
  const runtime = unsignedRuntime();
  const one = await countingCompiles(() => runtime.load(latency));
  assert.equal(one, { sync: 1, async: 0 });
  const set = await countingCompiles(() => runtime.replaceAll([sampler, latency]));
  // Unverified probes are never reused from the live set: both compile, off the calling thread.
  assert.equal(set, { sync: 0, async: 2 });
  assert.equal(
    runtime.probes().map((p) => p.name),
    ["sampler", "latency"],
  );
});

test("where synchronous compiles are refused (RangeError), the module compiles asynchronously", async () => {
  const admitted = admitProbe(await probeBytes("examples", "latency"));
  let compiled: WebAssembly.Module | undefined;
  const counts = await countingCompiles(async () => {
    compiled = (await prepareProbe(admitted, hostLimits())).compiled;
  }, true);
  assert.equal(counts, { sync: 1, async: 1 });
  assert.ok(compiled instanceof WebAssembly.Module);
});

test("a module the engine refuses is E_COMPILE on the synchronous path too", async () => {
  const admitted = admitProbe(await probeBytes("examples", "latency"));
  // The engine (not our parser) refuses the module: a CompileError must still come out typed.
  const OriginalModule = WebAssembly.Module;
  class Refusing {
    constructor() {
      throw new WebAssembly.CompileError("WebAssembly.Module(): invalid opcode");
    }
  }
  WebAssembly.Module = Refusing as unknown as typeof WebAssembly.Module;
  try {
    await prepareProbe(admitted, hostLimits());
    assert.unreachable("the refused module compiled");
  } catch (error) {
    assert.ok(isSandprobeError(error, "E_COMPILE"), String(error));
    assert.match(error.message, "invalid opcode");
  } finally {
    WebAssembly.Module = OriginalModule;
  }
});

test.run();
