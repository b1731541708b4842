/**
 * The seeds the fuzzer mutates: every built probe and component, signed and
 * unsigned, and a signed bundle. Needs `npm run build` first.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createBundle } from "../../host/trust/bundle/create.js";
import type { TrustPolicy } from "../../host/trust/policy.js";
import type { SecretKey } from "../../host/trust/signature/keys.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { openPolicy, testKey } from "../support/signing.js";

export interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly signed: boolean;
  readonly bundle: boolean;
}

export interface Corpus {
  readonly seeds: readonly Seed[];
  readonly key: SecretKey;
  readonly policy: TrustPolicy;
}

async function wasmFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".wasm"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export async function loadCorpus(): Promise<Corpus> {
  const key = await testKey(1);
  const policy = await openPolicy([key]);
  const seeds: Seed[] = [];
  for (const path of [...(await wasmFiles("build/probes")), ...(await wasmFiles("build/components"))]) {
    const bytes = new Uint8Array(await readFile(path));
    seeds.push({ name: path, bytes, signed: false, bundle: false });
    seeds.push({ name: `${path} (signed)`, bytes: (await signModule(bytes, key)).bytes, signed: true, bundle: false });
  }
  const examples = seeds.filter((s) => s.signed && s.name.includes("probes/examples/"));
  const bundle = await createBundle({ name: "fuzz", version: "1.0.0", probes: examples.map((s) => s.bytes) }, key);
  seeds.push({ name: "bundle of the examples (signed)", bytes: bundle, signed: true, bundle: true });
  return { seeds, key, policy };
}
