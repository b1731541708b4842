/**
 * Input number `index` of a fuzz run with `seed`: a seed input from the
 * corpus and one to three mutations, all drawn from one generator, so the
 * pair (seed, index) replays the input exactly.
 */
import { signModule } from "../../../host/trust/signature/sign.js";
import type { Corpus } from "./corpus.js";
import { BYTE_MUTATIONS, manifestMutation, Rng, randomBytes, STRUCTURED_MUTATIONS } from "./mutate.js";
import { signedTail } from "./pipeline.js";

export interface FuzzInput {
  readonly bytes: Uint8Array;
  /** The signed tail of what this input was made from (undefined: nothing signed to keep). */
  readonly tail: Uint8Array | undefined;
  /** How it was made, for a reproducer. */
  readonly recipe: string;
}

function mix(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export async function generateInput(corpus: Corpus, seed: number, index: number): Promise<FuzzInput> {
  const rng = new Rng(mix(seed, index));
  const roll = rng.int(100);
  if (roll < 10) return { bytes: randomBytes(rng, new Uint8Array()), tail: undefined, recipe: "random bytes" };
  const base = rng.pick(corpus.seeds);
  if (roll < 20) {
    // A hostile manifest, then signed by the trusted key: verification passes,
    // so the manifest decoder and everything after it meet the manifest.
    const unsigned = manifestMutation(rng, stripSignature(base.bytes));
    try {
      const signed = (await signModule(unsigned, corpus.key)).bytes;
      return { bytes: signed, tail: signedTail(signed), recipe: `${base.name}: hostile manifest, re-signed` };
    } catch {
      return { bytes: unsigned, tail: undefined, recipe: `${base.name}: hostile manifest (signing refused it)` };
    }
  }
  const steps = 1 + rng.int(3);
  let bytes = base.bytes;
  const names: string[] = [];
  for (let i = 0; i < steps; i++) {
    const [name, mutation] = rng.int(2) === 0 ? rng.pick(BYTE_MUTATIONS) : rng.pick(STRUCTURED_MUTATIONS);
    bytes = mutation(rng, bytes);
    names.push(name);
  }
  return { bytes, tail: base.tail, recipe: `${base.name}: ${names.join(", ")}` };
}

/** The bytes without a leading signature section (what a signer signs). */
function stripSignature(bytes: Uint8Array): Uint8Array {
  const tail = signedTail(bytes);
  if (tail === undefined) return bytes;
  const out = new Uint8Array(8 + tail.length);
  out.set(bytes.subarray(0, 8));
  out.set(tail, 8);
  return out;
}
