import { createTrustPolicy, type TrustPolicy, type TrustPolicyConfig } from "../../host/trust/policy.js";
import { importSecretKey, type SecretKey } from "../../host/trust/signature/keys.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { concatBytes, encodeCustomSection } from "../../host/wasm/encode.js";
import { CUSTOM_SECTION_ID, readSections } from "../../host/wasm/sections.js";
import { CAPABILITIES, encodeManifest, MANIFEST_SECTION, type Manifest } from "../../host/world/manifest.js";
import { probeBytes, seededBytes } from "./probes.js";

/** A deterministic Ed25519 key for tests: the same `n` always gives the same key. */
export function testKey(n: number): Promise<SecretKey> {
  return importSecretKey(seededBytes(0x5eed0000 + n, 32));
}

/** An example probe signed by each key in turn (one signed set, one signature per key). */
export async function signedProbe(name: string, keys: readonly SecretKey[]): Promise<Uint8Array> {
  let bytes = await probeBytes("examples", name);
  for (const key of keys) bytes = (await signModule(bytes, key)).bytes;
  return bytes;
}

/** A policy trusting `keys` and granting every capability and the headers the examples read. */
export function openPolicy(keys: readonly SecretKey[], extra: Partial<TrustPolicyConfig> = {}): Promise<TrustPolicy> {
  return createTrustPolicy({
    keys: keys.map((k) => ({ publicKey: k.publicKey })),
    grants: { "*": { capabilities: CAPABILITIES, headers: ["user-agent", "x-sample"] } },
    ...extra,
  });
}

/** Minimal unsigned LEB128, written here from the spec rather than imported. */
export function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Call `fn` and return the SandprobeError code it rejects with (or "resolved"/"untyped: ..."). */
export async function codeOf(fn: () => Promise<unknown> | unknown): Promise<string> {
  try {
    await fn();
    return "resolved";
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && (error as Error).name === "SandprobeError" ? code : `untyped: ${String(error)}`;
  }
}

/** An example probe with its manifest replaced, unsigned. */
export async function withManifest(name: string, change: Partial<Manifest>): Promise<Uint8Array> {
  const bytes = await probeBytes("examples", name);
  const sections = readSections(bytes);
  const kept = sections.filter((s) => !(s.id === CUSTOM_SECTION_ID && s.name === MANIFEST_SECTION));
  const old = sections.find((s) => s.name === MANIFEST_SECTION);
  const manifest = JSON.parse(new TextDecoder().decode(bytes.subarray(old?.contentStart, old?.end))) as Manifest;
  return concatBytes([
    bytes.subarray(0, 8),
    ...kept.map((s) => bytes.subarray(s.start, s.end)),
    encodeCustomSection(MANIFEST_SECTION, encodeManifest({ ...manifest, ...change })),
  ]);
}
