/**
 * The trust policy a worker carries, as plain JSON (pack writes it into the
 * worker's code): the same fields as the CLI's trust file, with every public
 * key inline as PEM, and the versions already accepted as a plain object.
 */
import { SandprobeError } from "../errors.js";
import type { Capability } from "../world/manifest.js";
import { createTrustPolicy, type TrustPolicy } from "./policy.js";
import { MemoryVersionLedger } from "./versions.js";

export interface EdgeTrustConfig {
  readonly keys: readonly {
    readonly name?: string;
    /** PEM (SPKI) text. */
    readonly publicKey: string;
    readonly scopes?: readonly string[];
    readonly revoked?: boolean;
  }[];
  readonly revokedKeyIds?: readonly string[];
  readonly threshold?: number;
  readonly grants?: Readonly<
    Record<string, { readonly capabilities?: readonly string[]; readonly headers?: readonly string[] }>
  >;
  /** Versions already accepted: rollback below them is refused. */
  readonly versions?: {
    readonly probe?: Readonly<Record<string, string>>;
    readonly bundle?: Readonly<Record<string, string>>;
  };
  readonly allowRollback?: boolean | readonly string[];
}

/** Build the policy; E_POLICY when the JSON is not a trust config. */
export function edgeTrustPolicy(config: EdgeTrustConfig): Promise<TrustPolicy> {
  if (typeof config !== "object" || config === null || !Array.isArray(config.keys)) {
    throw new SandprobeError("E_POLICY", "the worker's trust config has no key list: pack the worker again");
  }
  const grants: Record<string, { capabilities?: Capability[]; headers?: string[] }> = {};
  for (const [name, grant] of Object.entries(config.grants ?? {})) {
    grants[name] = {
      ...(grant.capabilities ? { capabilities: [...grant.capabilities] as Capability[] } : {}),
      ...(grant.headers ? { headers: [...grant.headers] } : {}),
    };
  }
  return createTrustPolicy({
    keys: config.keys.map((k) => ({
      publicKey: k.publicKey,
      ...(k.name === undefined ? {} : { name: k.name }),
      ...(k.scopes === undefined ? {} : { scopes: k.scopes }),
      revoked: k.revoked === true,
    })),
    revokedKeyIds: config.revokedKeyIds ?? [],
    ...(config.threshold === undefined ? {} : { threshold: config.threshold }),
    grants,
    versions: new MemoryVersionLedger(config.versions ?? {}),
    allowRollback: config.allowRollback ?? false,
  });
}
