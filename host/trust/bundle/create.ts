/**
 * Build a signed bundle from signed probe files. More signers can be added
 * afterwards with `signModule` (a bundle is a module of custom sections).
 */
import { SandprobeError } from "../../errors.js";
import { toHex } from "../../wasm/bytes.js";
import { sha256 } from "../signature/bytes.js";
import type { SecretKey } from "../signature/keys.js";
import { signedLayout } from "../signature/layout.js";
import { type SignOptions, signModule } from "../signature/sign.js";
import { assembleBundle, type BundleIndex, type BundleIndexEntry, probeIdentity } from "./format.js";

export interface CreateBundleOptions {
  readonly name: string;
  readonly version: string;
  /** Signed probe files, in the order the bundle carries (and loads) them. */
  readonly probes: readonly Uint8Array[];
  /** Key id written with the bundle signature (default: the key's wasmsign2 id). */
  readonly keyId?: SignOptions["keyId"];
}

/** The unsigned bundle (index + probes), for signers that sign elsewhere. */
export async function assembleUnsignedBundle(options: CreateBundleOptions): Promise<Uint8Array> {
  const entries: BundleIndexEntry[] = [];
  for (const [i, probe] of options.probes.entries()) {
    if (!signedLayout(probe).signatureSection) {
      throw new SandprobeError(
        "E_UNSIGNED",
        `probe ${i} has no embedded signature: sign every probe (sandprobe sign) before bundling it`,
        { probe: i },
      );
    }
    const { name, version } = probeIdentity(probe);
    entries.push({ name, version, sha256: toHex(await sha256(probe)) });
  }
  const index: BundleIndex = { schema: 1, name: options.name, version: options.version, probes: entries };
  return assembleBundle(index, options.probes);
}

/** Build and sign a bundle with `key`. */
export async function createBundle(options: CreateBundleOptions, key: SecretKey): Promise<Uint8Array> {
  const unsigned = await assembleUnsignedBundle(options);
  const signed = await signModule(unsigned, key, options.keyId === undefined ? {} : { keyId: options.keyId });
  return signed.bytes;
}
