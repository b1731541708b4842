/** Input `index` of run `seed`: rebuilt identically from the two numbers alone. */
import { signModule } from "../../host/trust/signature/sign.js";
import type { Corpus, Seed } from "./corpus.js";
import { MUTATIONS, type MutationName, mutate, Random } from "./mutate.js";

export interface FuzzInput {
  readonly seed: Seed;
  readonly mutations: readonly MutationName[];
  /** Re-signed by the trusted key after mutating, so the stages behind the signature check see it. */
  readonly resigned: boolean;
  readonly bytes: Uint8Array;
}

export async function makeInput(corpus: Corpus, runSeed: number, index: number): Promise<FuzzInput> {
  const random = new Random(Math.imul(runSeed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b));
  // One input in ten starts from a bundle (there is one bundle seed among many probes).
  const bundles = corpus.seeds.filter((s) => s.bundle);
  const seed = random.int(10) === 0 && bundles.length > 0 ? random.pick(bundles) : random.pick(corpus.seeds);
  const mutations = Array.from({ length: 1 + random.int(3) }, () => random.pick(MUTATIONS));
  let bytes = seed.bytes;
  for (const name of mutations) bytes = mutate(name, bytes, random);
  // A third of the inputs get a valid signature over the mutated bytes: without
  // it nearly everything would stop at E_SIGNATURE_INVALID.
  let resigned = false;
  if (random.int(3) === 0) {
    try {
      bytes = (await signModule(bytes, corpus.key)).bytes;
      resigned = true;
    } catch {
      // Unsignable bytes (not a module at all): fuzz them as they are. Whether
      // signing failed with a typed error is the "sign" stage's business.
    }
  }
  return { seed, mutations, resigned, bytes };
}
