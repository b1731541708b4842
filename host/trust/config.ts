/**
 * The trust policy as JSON, one validating parser for every place that
 * reads it: the CLI's `--trust FILE` and the policy `sandprobe pack` writes
 * into a worker. Keys are PEM text or, where a `readKey` is given (the CLI),
 * a reference to a key file (wasmsign2 raw, PEM or DER) resolved by it.
 *
 * {
 *   "keys": [{ "name": "release", "publicKey": "keys/release.pub", "scopes": ["*"], "revoked": false }],
 *   "revokedKeyIds": ["0123456789abcdef01234567"],
 *   "threshold": 1,
 *   "grants": { "latency": { "capabilities": ["http.route"], "headers": [] } },
 *   "versions": { "probe": { "latency": "1.0.0" }, "bundle": { "edge": "1.0.0" } },
 *   "allowRollback": false
 * }
 */
import { SandprobeError } from "../errors.js";
import type { Capability } from "../world/manifest.js";
import { createTrustPolicy, type TrustPolicy } from "./policy.js";
import { decodePublicKey, publicKeyToPem } from "./signature/keys.js";
import { MemoryVersionLedger } from "./versions.js";

export interface TrustConfigKey {
  readonly name?: string;
  /** PEM (SPKI) text, or a key file reference for a `readKey` to resolve. */
  readonly publicKey: string;
  readonly scopes?: readonly string[];
  readonly revoked?: boolean;
}

export interface TrustConfig {
  readonly keys: readonly TrustConfigKey[];
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

/** Resolves a key reference that is not PEM text (the CLI reads a file relative to the trust file). */
export type KeyReader = (reference: string) => Promise<Uint8Array>;

const FIELDS = ["keys", "revokedKeyIds", "threshold", "grants", "versions", "allowRollback"];
const KEY_FIELDS = ["name", "publicKey", "scopes", "revoked"];
const GRANT_FIELDS = ["capabilities", "headers"];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Check that `value` (parsed JSON) is a trust config: every field of the
 * right type, no unknown field anywhere (a typo must not drop a
 * revocation). `where` names the source in messages. E_POLICY otherwise;
 * what the values mean (keys, scopes, capabilities) is checked when the
 * policy is built.
 */
export function parseTrustConfig(value: unknown, where: string): TrustConfig {
  const bad = (message: string): never => {
    throw new SandprobeError("E_POLICY", `${where}: ${message}`, { where });
  };
  const strings = (v: unknown, field: string): string[] | undefined => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) bad(`"${field}" must be a list of strings`);
    return v as string[];
  };
  const known = (record: Record<string, unknown>, fields: readonly string[], at: string) => {
    for (const key of Object.keys(record)) if (!fields.includes(key)) bad(`${at}unknown field "${key}"`);
  };
  if (!isRecord(value)) bad("must be a JSON object");
  const config = value as Record<string, unknown>;
  known(config, FIELDS, "");
  if (!Array.isArray(config.keys)) bad(`"keys" must be a list`);
  const keys = (config.keys as unknown[]).map((entry, i): TrustConfigKey => {
    if (!isRecord(entry) || typeof entry.publicKey !== "string") bad(`keys[${i}].publicKey must be a string`);
    const key = entry as Record<string, unknown>;
    known(key, KEY_FIELDS, `keys[${i}]: `);
    if (key.name !== undefined && typeof key.name !== "string") bad(`keys[${i}].name must be a string`);
    if (key.revoked !== undefined && typeof key.revoked !== "boolean") bad(`keys[${i}].revoked must be true or false`);
    const scopes = strings(key.scopes, `keys[${i}].scopes`);
    return {
      publicKey: key.publicKey as string,
      ...(key.name === undefined ? {} : { name: key.name as string }),
      ...(scopes ? { scopes } : {}),
      ...(key.revoked === undefined ? {} : { revoked: key.revoked as boolean }),
    };
  });
  const grants: Record<string, { capabilities?: string[]; headers?: string[] }> = {};
  if (config.grants !== undefined) {
    if (!isRecord(config.grants)) bad(`"grants" must be an object`);
    for (const [name, grant] of Object.entries(config.grants as Record<string, unknown>)) {
      if (!isRecord(grant)) bad(`grants.${name} must be an object`);
      known(grant as Record<string, unknown>, GRANT_FIELDS, `grants.${name}: `);
      const capabilities = strings((grant as Record<string, unknown>).capabilities, `grants.${name}.capabilities`);
      const headers = strings((grant as Record<string, unknown>).headers, `grants.${name}.headers`);
      grants[name] = { ...(capabilities ? { capabilities } : {}), ...(headers ? { headers } : {}) };
    }
  }
  const versions: { probe?: Record<string, string>; bundle?: Record<string, string> } = {};
  if (config.versions !== undefined) {
    if (!isRecord(config.versions)) bad(`"versions" must be an object`);
    const given = config.versions as Record<string, unknown>;
    known(given, ["probe", "bundle"], "versions: ");
    for (const subject of ["probe", "bundle"] as const) {
      const names = given[subject];
      if (names === undefined) continue;
      if (!isRecord(names)) bad(`versions.${subject} must be an object`);
      for (const [name, version] of Object.entries(names as Record<string, unknown>)) {
        if (typeof version !== "string") bad(`versions.${subject}.${name} must be a string`);
      }
      versions[subject] = names as Record<string, string>;
    }
  }
  if (config.threshold !== undefined && typeof config.threshold !== "number") bad(`"threshold" must be a number`);
  const allowRollback =
    typeof config.allowRollback === "boolean" ? config.allowRollback : strings(config.allowRollback, "allowRollback");
  const revokedKeyIds = strings(config.revokedKeyIds, "revokedKeyIds");
  return {
    keys,
    ...(revokedKeyIds ? { revokedKeyIds } : {}),
    ...(typeof config.threshold === "number" ? { threshold: config.threshold } : {}),
    grants,
    versions,
    ...(allowRollback === undefined ? {} : { allowRollback }),
  };
}

function isPem(text: string): boolean {
  return text.includes("-----BEGIN");
}

async function keyBytes(key: TrustConfigKey, readKey: KeyReader | undefined): Promise<Uint8Array | string> {
  if (isPem(key.publicKey)) return key.publicKey;
  if (!readKey) {
    throw new SandprobeError(
      "E_POLICY",
      `key "${key.name ?? key.publicKey}" must be PEM text here: pack the worker again`,
    );
  }
  return readKey(key.publicKey);
}

/** Build the policy a trust config describes (keys imported into WebCrypto, values checked: E_POLICY, E_KEY_INVALID). */
export async function trustPolicyFromConfig(config: TrustConfig, readKey?: KeyReader): Promise<TrustPolicy> {
  const keys = [];
  for (const key of config.keys) {
    keys.push({
      publicKey: await keyBytes(key, readKey),
      ...(key.name === undefined ? {} : { name: key.name }),
      ...(key.scopes === undefined ? {} : { scopes: key.scopes }),
      revoked: key.revoked === true,
    });
  }
  const grants: Record<string, { capabilities?: Capability[]; headers?: string[] }> = {};
  for (const [name, grant] of Object.entries(config.grants ?? {})) {
    grants[name] = {
      ...(grant.capabilities ? { capabilities: [...grant.capabilities] as Capability[] } : {}),
      ...(grant.headers ? { headers: [...grant.headers] } : {}),
    };
  }
  return createTrustPolicy({
    keys,
    revokedKeyIds: config.revokedKeyIds ?? [],
    ...(config.threshold === undefined ? {} : { threshold: config.threshold }),
    grants,
    versions: new MemoryVersionLedger(config.versions ?? {}),
    allowRollback: config.allowRollback ?? false,
  });
}

/** The same config with every key inline as PEM: what a worker carries, since it has no files to read. */
export async function inlineTrustKeys(config: TrustConfig, readKey?: KeyReader): Promise<TrustConfig> {
  const keys = [];
  for (const key of config.keys) {
    keys.push({ ...key, publicKey: publicKeyToPem(await decodePublicKey(await keyBytes(key, readKey))) });
  }
  return { ...config, keys };
}

/** The trust config a worker carries, as a policy; E_POLICY when it is not a trust config. */
export function edgeTrustPolicy(config: TrustConfig): Promise<TrustPolicy> {
  return trustPolicyFromConfig(parseTrustConfig(config, "the worker's trust config"));
}
