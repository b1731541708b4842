// `sandprobe pack` verifies everything before it writes anything: a
// tampered, unknown-signer or over-asking bundle fails with its error code
// and leaves no project behind; a good one becomes a workerd project whose
// wasm modules are the signed probe files, byte for byte.
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { run } from "../../host/cli/run.js";
import { METERING_SECTION } from "../../host/load/index.js";
import { sandboxedProbeBytes } from "../../host/load/prepare.js";
import { shapeOfBytes } from "../../host/load/shape.js";
import { parseBundle } from "../../host/trust/bundle/format.js";
import { encodePublicKey } from "../../host/trust/signature/keys.js";
import {
  type EdgeFixture,
  EXAMPLE_WORKER,
  edgeFixture,
  flipByte,
  makeBundle,
  quietIo,
} from "../support/edge/fixture.js";
import { testKey } from "../support/signing.js";

let fixture: EdgeFixture;

let setupError: unknown;

test.before(async () => {
  try {
    fixture = await edgeFixture();
  } catch (error) {
    // uvu swallows errors of `before` hooks: fail every test with it instead.
    setupError = error;
  }
});

test.before.each(() => {
  if (setupError !== undefined) throw setupError;
});

test.after(async () => {
  await fixture?.remove();
});

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function pack(extra: string[], options: { bundle?: string; out: string }) {
  const io = quietIo();
  const code = await run(
    ["pack", "-b", options.bundle ?? fixture.bundlePath, "-e", EXAMPLE_WORKER, "-o", options.out, ...extra],
    io,
  );
  return { code, out: io.out, err: io.err };
}

test("a verified bundle becomes a workerd project: config, entry, app bundle, data and wasm modules", async () => {
  const out = join(fixture.dir, "good");
  const result = await pack(["--trust", fixture.trustPath, "--port", "9123"], { out });
  assert.is(result.code, 0, result.err);
  assert.match(result.out, "packed bundle edge-demo 1.0.0");
  const config = await readFile(join(out, "config.capnp"), "utf8");
  assert.match(config, 'address = "127.0.0.1:9123"');
  assert.match(config, 'globalOutbound = "loopback"');
  assert.match(config, 'network = (allow = ["127.0.0.1/32"])');
  assert.match(config, '(name = "sandprobe/bundle.bin", data = embed "sandprobe/bundle.bin")');
  assert.match(config, '(name = "SANDPROBE_OTLP_URL", fromEnvironment = "SANDPROBE_OTLP_URL")');
  assert.match(config, 'compatibilityDate = "2025-06-01"');
  // Each wasm module is the signed probe the bundle carries, as the runtime runs it (limits capped, metered).
  const bundled = parseBundle(fixture.bundle).probes;
  for (const probe of bundled) {
    assert.match(config, `wasm = embed "sandprobe/probes/${probe.entry.name}.wasm"`);
    const shipped = new Uint8Array(await readFile(join(out, "sandprobe", "probes", `${probe.entry.name}.wasm`)));
    assert.equal(shipped, sandboxedProbeBytes(probe.bytes), probe.entry.name);
    // It keeps the signed file's signature section, which ties it to what was verified.
    const sections = shapeOfBytes(shipped).customSections;
    assert.equal(sections.get("signature"), shapeOfBytes(probe.bytes).customSections.get("signature"));
    assert.ok(sections.has(METERING_SECTION));
  }
  assert.equal(new Uint8Array(await readFile(join(out, "sandprobe", "bundle.bin"))), fixture.bundle);
  const entry = await readFile(join(out, "worker.mjs"), "utf8");
  assert.match(entry, 'import bundle from "./sandprobe/bundle.bin";');
  assert.match(entry, 'import probe0 from "./sandprobe/probes/latency.wasm";');
  const app = await readFile(join(out, "app.mjs"), "utf8");
  assert.match(app, "export {");
  assert.not.match(app, /from\s*["']node:/);
});

test("a tampered bundle makes pack fail with its error code, and nothing is written", async () => {
  const tampered = join(fixture.dir, "tampered.bundle");
  await writeFile(tampered, fixture.bundle);
  await flipByte(tampered, -1);
  const out = join(fixture.dir, "from-tampered");
  const result = await pack(["--trust", fixture.trustPath], { bundle: tampered, out });
  assert.is(result.code, 1);
  assert.match(result.err, /^E_SIGNATURE_INVALID: /);
  assert.is(await exists(out), false);
});

test("a bundle signed by a key the trust file does not list: E_KEY_UNKNOWN", async () => {
  const stranger = join(fixture.dir, "stranger.bundle");
  await writeFile(stranger, await makeBundle(await testKey(81)));
  const result = await pack(["--trust", fixture.trustPath], { bundle: stranger, out: join(fixture.dir, "x1") });
  assert.is(result.code, 1);
  assert.match(result.err, /^E_KEY_UNKNOWN: /);
});

test("probes asking for capabilities the trust file does not grant: E_CAPABILITY_DENIED", async () => {
  const stingy = join(fixture.dir, "stingy.json");
  await writeFile(stingy, JSON.stringify({ keys: [{ publicKey: "release.pub" }] }));
  const result = await pack(["--trust", stingy], { out: join(fixture.dir, "x2") });
  assert.is(result.code, 1);
  assert.match(result.err, /^E_CAPABILITY_DENIED: /);
});

test("with public keys only, pack grants what the signed probes ask for", async () => {
  const out = join(fixture.dir, "keys-only");
  const result = await pack(["-K", fixture.publicKeyPath], { out });
  assert.is(result.code, 0, result.err);
  const other = join(fixture.dir, "other.pub");
  await writeFile(other, encodePublicKey((await testKey(82)).publicKey));
  const refused = await pack(["-K", other], { out: join(fixture.dir, "x3") });
  assert.is(refused.code, 1);
  assert.match(refused.err, /^E_KEY_UNKNOWN: /);
});

test("command-line mistakes exit 2 with usage; a non-empty directory needs --force", async () => {
  const missing = await pack([], { out: join(fixture.dir, "x4") });
  assert.is(missing.code, 2);
  assert.match(missing.err, "missing --trust or -K/--public-key");
  const badPort = await pack(["--trust", fixture.trustPath, "--port", "70000"], { out: join(fixture.dir, "x5") });
  assert.is(badPort.code, 2);
  const busy = join(fixture.dir, "busy");
  await mkdir(busy);
  await writeFile(join(busy, "keep.txt"), "mine");
  const refused = await pack(["--trust", fixture.trustPath], { out: busy });
  assert.is(refused.code, 3);
  assert.match(refused.err, "is not empty");
  const badStatus = await pack(["--trust", fixture.trustPath, "--status-path", "status"], {
    out: join(fixture.dir, "x6"),
  });
  assert.is(badStatus.code, 2);
  const forced = await pack(["--trust", fixture.trustPath, "--force", "--no-status"], { out: busy });
  assert.is(forced.code, 0, forced.err);
  assert.is(await readFile(join(busy, "keep.txt"), "utf8"), "mine");
  assert.match(await readFile(join(busy, "app.mjs"), "utf8"), /"?statusPath"?: null/);
});

test.run();
