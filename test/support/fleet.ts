import { createBundle } from "../../host/trust/bundle/create.js";
import type { SecretKey } from "../../host/trust/signature/keys.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { withManifest } from "./signing.js";

/** The example probes every fleet bundle carries. */
export const FLEET_PROBES = ["latency", "sampler", "slow-detector"];

/** Bundle "edge" at `version`, each probe's manifest at the same version, all signed by `key`. */
export async function edgeBundle(version: string, key: SecretKey): Promise<Uint8Array> {
  const probes = [];
  for (const name of FLEET_PROBES) probes.push((await signModule(await withManifest(name, { version }), key)).bytes);
  return createBundle({ name: "edge", version, probes }, key);
}

/** The same bundle with one byte flipped near its end (inside the last probe): the signature no longer holds. */
export function tampered(bundle: Uint8Array): Uint8Array {
  const copy = bundle.slice();
  copy[copy.length - 10] = (copy[copy.length - 10] as number) ^ 1;
  return copy;
}

/** Resolve once `check` holds, polling every few ms; reject after `ms` with `what`. */
export async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
