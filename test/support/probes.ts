import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** Bytes of a probe built by `npm run build:probes` (npm test builds first). */
export async function probeBytes(group: "examples" | "hostile" | "testing", name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(join("build/probes", group, `${name}.wasm`)));
}

/** A deterministic pseudo-random byte source, so a failing fuzz case can be replayed. */
export function seededBytes(seed: number, length: number): Uint8Array {
  let state = seed >>> 0 || 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}
