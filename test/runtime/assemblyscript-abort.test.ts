import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { instantiate } from "@assemblyscript/loader";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeManifest, MANIFEST_SECTION } from "../../host/cli/tooling.js";
import { manualClock } from "../../host/index.js";
import { concatBytes, encodeCustomSection } from "../../host/wasm/encode.js";
import { compileAssemblyScript } from "../../scripts/asc.js";
import { unsignedRuntime } from "../support/runtime.js";

// A probe built WITHOUT the SDK's abort: it imports AssemblyScript's own
// env.abort(message, file, line, column), whose strings are managed objects.
const SOURCE = `
export function init(): void {}
export function request(): void {
  throw new Error("héllo from AssemblyScript ✓ " + (40 + 2).toString());
}
export function response(): void {}
`;

async function buildEnvAbortProbe(): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), "sandprobe-abort-"));
  try {
    const file = join(dir, "env-abort.ts");
    await writeFile(file, SOURCE);
    const wasm = await compileAssemblyScript([file, "--config", "none", "--runtime", "stub", "-O1"], file);
    const manifest = encodeManifest({
      schema: 1,
      name: "env-abort",
      version: "1.0.0",
      hooks: ["request"],
      capabilities: [],
      headers: [],
      limits: {},
    });
    return concatBytes([wasm, encodeCustomSection(MANIFEST_SECTION, manifest)]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("env.abort messages decode exactly as @assemblyscript/loader decodes them", async () => {
  const bytes = await buildEnvAbortProbe();

  // The reference: AssemblyScript's own loader and its default env.abort.
  const { exports } = await instantiate<{ request(): void }>(bytes as BufferSource, {});
  let reference = "";
  try {
    exports.request();
  } catch (error) {
    reference = (error as Error).message;
  }
  const expected = /^abort: (.*) at (.*):(\d+):(\d+)$/.exec(reference);
  assert.ok(expected, `loader said: ${reference}`);

  // Ours: the same module through the runtime, as an E_PROBE_TRAP value.
  const runtime = unsignedRuntime({ clock: manualClock() });
  await runtime.load(bytes);
  const scope = runtime.begin({});
  scope.request();
  const failure = scope.failures[0];
  assert.is(failure?.error.code, "E_PROBE_TRAP");
  const ours = /^(.*) \((.*):(\d+):(\d+)\)$/.exec(String(failure?.error.detail.abort));
  assert.ok(ours, String(failure?.error.detail.abort));
  assert.equal(ours.slice(1), expected.slice(1));
  assert.is(ours[1], "héllo from AssemblyScript ✓ 42");
});

test.run();
