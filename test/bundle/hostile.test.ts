/**
 * Hostile bundles: re-signed with a wrong index, swapped probes, extra
 * sections, byte flips and truncations. Every one is refused with a typed
 * code and nothing is ever half accepted.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createBundle } from "../../host/trust/bundle/create.js";
import { assembleBundle, BUNDLE_PROBE_SECTION, type BundleIndex, parseBundle } from "../../host/trust/bundle/format.js";
import { verifyBundle } from "../../host/trust/bundle/verify.js";
import { sha256 } from "../../host/trust/signature/bytes.js";
import { signedLayout } from "../../host/trust/signature/layout.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { toHex } from "../../host/wasm/bytes.js";
import { concatBytes, encodeCustomSection } from "../../host/wasm/encode.js";
import { readSections } from "../../host/wasm/sections.js";
import { seededBytes } from "../support/probes.js";
import { codeOf, openPolicy, signedProbe, testKey } from "../support/signing.js";

async function setup() {
  const a = await testKey(1);
  const probes = [await signedProbe("latency", [a]), await signedProbe("sampler", [a])];
  const index: BundleIndex = {
    schema: 1,
    name: "edge",
    version: "1.0.0",
    probes: await Promise.all(
      probes.map(async (p, i) => ({
        name: ["latency", "sampler"][i] as string,
        version: "1.0.0",
        sha256: toHex(await sha256(p)),
      })),
    ),
  };
  return { a, probes, index, policy: await openPolicy([a]) };
}

test("a correctly signed bundle whose index lies about a digest or a version is E_BUNDLE_MISMATCH", async () => {
  const { a, probes, index, policy } = await setup();
  const wrongDigest = { ...index, probes: [{ ...index.probes[0]!, sha256: "0".repeat(64) }, index.probes[1]!] };
  const signed = (await signModule(assembleBundle(wrongDigest, probes), a)).bytes;
  assert.is(await codeOf(() => verifyBundle(signed, policy)), "E_BUNDLE_MISMATCH");
  const wrongVersion = { ...index, probes: [{ ...index.probes[0]!, version: "9.9.9" }, index.probes[1]!] };
  assert.is(
    await codeOf(async () => verifyBundle((await signModule(assembleBundle(wrongVersion, probes), a)).bytes, policy)),
    "E_BUNDLE_MISMATCH",
  );
  const swapped = (await signModule(assembleBundle(index, [probes[1]!, probes[0]!]), a)).bytes;
  assert.is(await codeOf(() => verifyBundle(swapped, policy)), "E_BUNDLE_MISMATCH");
});

test("a probe the index does not list, a foreign section and an unsigned bundle are refused", async () => {
  const { a, probes, index, policy } = await setup();
  const unsigned = assembleBundle(index, probes);
  assert.is(await codeOf(() => verifyBundle(unsigned, policy)), "E_UNSIGNED");
  const short = concatBytes([unsigned, encodeCustomSection(BUNDLE_PROBE_SECTION, probes[0]!)]);
  assert.is(await codeOf(async () => verifyBundle((await signModule(short, a)).bytes, policy)), "E_BUNDLE_MISMATCH");
  const extra = concatBytes([unsigned, encodeCustomSection("name", Uint8Array.of(0))]);
  assert.is(await codeOf(async () => verifyBundle((await signModule(extra, a)).bytes, policy)), "E_MALFORMED");
  // A plain signed probe is not a bundle.
  assert.is(await codeOf(() => verifyBundle(probes[0]!, policy)), "E_MALFORMED");
});

test("a probe swapped inside a signed bundle breaks the bundle signature", async () => {
  const { a, probes, policy } = await setup();
  const bundle = await createBundle({ name: "edge", version: "1.0.0", probes }, a);
  const other = await signedProbe("slow-detector", [a]);
  const sections = readSections(bundle);
  const last = sections[sections.length - 1]!;
  const forged = concatBytes([bundle.subarray(0, last.start), encodeCustomSection(BUNDLE_PROBE_SECTION, other)]);
  assert.is(await codeOf(() => verifyBundle(forged, policy)), "E_SIGNATURE_INVALID");
});

test("byte flips across a bundle (every 7th byte, bounded) are all refused with typed codes", async () => {
  const { a, probes, policy } = await setup();
  const bundle = await createBundle({ name: "edge", version: "1.0.0", probes }, a);
  const start = signedLayout(bundle).contentStart;
  for (let at = start; at < bundle.length; at += 7) {
    const flipped = bundle.slice();
    flipped[at] = (bundle[at] as number) ^ 0x01;
    const code = await codeOf(() => verifyBundle(flipped, policy));
    assert.ok(code === "E_SIGNATURE_INVALID" || code === "E_MALFORMED", `flip at ${at} gave ${code}`);
  }
});

test("truncations and noise give typed errors, never a partial bundle", async () => {
  const { a, probes, policy } = await setup();
  const bundle = await createBundle({ name: "edge", version: "1.0.0", probes }, a);
  const allowed = new Set(["E_MALFORMED", "E_SIGNATURE_INVALID", "E_UNSIGNED"]);
  for (let length = 0; length < bundle.length; length += 13) {
    const code = await codeOf(() => verifyBundle(bundle.subarray(0, length), policy));
    assert.ok(allowed.has(code), `cut at ${length} gave ${code}`);
  }
  for (let seed = 1; seed <= 300; seed++) {
    assert.is(await codeOf(() => verifyBundle(seededBytes(seed, seed), policy)), "E_MALFORMED");
  }
  for (const text of ["[]", "{}", '{"schema":1,"name":"x","version":"1.0.0","probes":[],"x":1}', "\u00ff"]) {
    const forged = concatBytes([
      Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0),
      encodeCustomSection("sandprobe-bundle", new TextEncoder().encode(text)),
    ]);
    assert.is(await codeOf(() => parseBundle(forged)), "E_MALFORMED", text);
  }
});

test.run();
