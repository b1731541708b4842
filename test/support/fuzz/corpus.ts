/**
 * The fuzzer's seed inputs, built from what `npm run build` produced: every
 * probe under build/probes and every component under build/components,
 * each unsigned and signed with the fuzz key, and a signed bundle of the
 * signed examples.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createBundle } from "../../../host/trust/bundle/create.js";
import type { TrustPolicy } from "../../../host/trust/policy.js";
import type { SecretKey } from "../../../host/trust/signature/keys.js";
import { signModule } from "../../../host/trust/signature/sign.js";
import { openPolicy, testKey } from "../signing.js";
import { signedTail } from "./pipeline.js";

export interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** What the signature covers, when the seed is signed. */
  readonly tail: Uint8Array | undefined;
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

export async function buildCorpus(): Promise<Corpus> {
  const key = await testKey(77);
  const policy = await openPolicy([key]);
  const seeds: Seed[] = [];
  const signedExamples: Uint8Array[] = [];
  for (const file of [...(await wasmFiles("build/probes")), ...(await wasmFiles("build/components"))]) {
    const bytes = new Uint8Array(await readFile(file));
    seeds.push({ name: file, bytes, tail: undefined });
    const signed = (await signModule(bytes, key)).bytes;
    seeds.push({ name: `${file} (signed)`, bytes: signed, tail: signedTail(signed) });
    if (file.startsWith("build/probes/examples/")) signedExamples.push(signed);
  }
  const bundle = await createBundle({ name: "fuzz", version: "1.0.0", probes: signedExamples }, key);
  seeds.push({ name: "bundle of the signed examples", bytes: bundle, tail: signedTail(bundle) });
  return { seeds, key, policy };
}
