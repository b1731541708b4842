// A precompiled module (workerd) is checked against the shape its verified
// probe would have once sandboxed. That shape is computed without metering
// the code again, so it must equal the shape of the real sandboxed bytes.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { admitProbe, checkModuleShape, sandboxedShape, sandboxModule, shapeOfBytes } from "../../host/load/index.js";
import { DEFAULT_LIMITS, type HostLimits, probeLimits } from "../../host/world/limits.js";
import { errorCodeOf } from "../support/errors.js";
import { probeBytes } from "../support/probes.js";

async function builtModules(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await builtModules(path)));
    else if (path.endsWith(".wasm")) out.push(path);
  }
  return out.sort();
}

test("the shape of a sandboxed probe, computed without metering, is the shape of its sandboxed bytes", async () => {
  let compared = 0;
  let withStart = 0;
  const built = [...(await builtModules("build/probes")), ...(await builtModules("build/components"))];
  for (const path of built) {
    let admitted: ReturnType<typeof admitProbe>;
    try {
      admitted = admitProbe(new Uint8Array(await readFile(path)));
    } catch {
      continue; // modules refused at admission never reach this check
    }
    const limits = probeLimits(DEFAULT_LIMITS, admitted.manifest.limits);
    const expected = shapeOfBytes(sandboxModule(admitted.module, limits).bytes);
    assert.equal(sandboxedShape(admitted.module, limits), expected, path);
    compared++;
    if (expected.exports.some((e) => e.name === "sandprobe:start")) withStart++;
  }
  // AssemblyScript, C and Rust probes and components (JavaScript too); with and without a start function.
  assert.ok(compared >= 40, `compared ${compared} probes`);
  assert.ok(withStart > 0 && withStart < compared, `${withStart} of ${compared} with a start function`);
});

test("a module compiled from the sandboxed bytes passes the check; the unmetered one does not", async () => {
  const admitted = admitProbe(await probeBytes("examples", "latency"));
  const limits = probeLimits(DEFAULT_LIMITS, admitted.manifest.limits);
  const shape = sandboxedShape(admitted.module, limits);
  const sandboxed = new WebAssembly.Module(sandboxModule(admitted.module, limits).bytes as BufferSource);
  checkModuleShape(sandboxed, shape, "latency");
  const unmetered = new WebAssembly.Module(admitted.module.bytes as BufferSource);
  assert.is(
    errorCodeOf(() => checkModuleShape(unmetered, shape, "latency")),
    "E_MODULE_MISMATCH",
  );
});

test("limits that refuse a probe refuse its shape with the same error", async () => {
  const admitted = admitProbe(await probeBytes("hostile", "memory-bomb"));
  const tight: HostLimits = { ...probeLimits(DEFAULT_LIMITS, admitted.manifest.limits), memoryPages: 0 };
  const code = errorCodeOf(() => sandboxModule(admitted.module, tight));
  assert.ok(code.startsWith("E_"), code);
  assert.is(
    errorCodeOf(() => sandboxedShape(admitted.module, tight)),
    code,
  );
});

test.run();
