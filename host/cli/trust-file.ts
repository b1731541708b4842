/**
 * The operator's trust file for `--trust FILE`: JSON naming key files
 * (relative to the trust file) or holding PEM text, turned into a TrustPolicy.
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
import { dirname, resolve } from "node:path";
import { SandprobeError } from "../errors.js";
import { createTrustPolicy, type TrustedKeyConfig, type TrustPolicy } from "../trust/policy.js";
import { MemoryVersionLedger } from "../trust/versions.js";
import type { Capability } from "../world/manifest.js";
import type { CliIo } from "./command.js";

function bad(path: string, message: string): never {
  throw new SandprobeError("E_POLICY", `${path}: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function strings(value: unknown, path: string, field: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    bad(path, `"${field}" must be a list of strings`);
  return value as string[];
}

const KNOWN = ["keys", "revokedKeyIds", "threshold", "grants", "versions", "allowRollback"];

export async function loadTrustFile(path: string, io: CliIo): Promise<TrustPolicy> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(await io.readFile(path)));
  } catch (error) {
    if (error instanceof SyntaxError) bad(path, `not valid JSON: ${error.message}`);
    throw error;
  }
  if (!isRecord(value)) bad(path, "must be a JSON object");
  for (const key of Object.keys(value)) if (!KNOWN.includes(key)) bad(path, `unknown field "${key}"`);
  if (!Array.isArray(value.keys)) bad(path, `"keys" must be a list`);
  const keys: TrustedKeyConfig[] = [];
  for (const [i, entry] of value.keys.entries()) {
    if (!isRecord(entry) || typeof entry.publicKey !== "string") bad(path, `keys[${i}].publicKey must be a string`);
    for (const key of Object.keys(entry)) {
      if (!["name", "publicKey", "scopes", "revoked"].includes(key)) bad(path, `keys[${i}]: unknown field "${key}"`);
    }
    const text = entry.publicKey;
    const publicKey = text.includes("-----BEGIN") ? text : await io.readFile(resolve(dirname(path), text));
    const scopes = strings(entry.scopes, path, `keys[${i}].scopes`);
    keys.push({
      publicKey,
      ...(typeof entry.name === "string" ? { name: entry.name } : {}),
      ...(scopes ? { scopes } : {}),
      revoked: entry.revoked === true,
    });
  }
  const grants: Record<string, { capabilities?: Capability[]; headers?: string[] }> = {};
  if (value.grants !== undefined) {
    if (!isRecord(value.grants)) bad(path, `"grants" must be an object`);
    for (const [name, grant] of Object.entries(value.grants)) {
      if (!isRecord(grant)) bad(path, `grants.${name} must be an object`);
      const capabilities = strings(grant.capabilities, path, `grants.${name}.capabilities`) as Capability[] | undefined;
      const headers = strings(grant.headers, path, `grants.${name}.headers`);
      grants[name] = { ...(capabilities ? { capabilities } : {}), ...(headers ? { headers } : {}) };
    }
  }
  const versions = new MemoryVersionLedger();
  if (value.versions !== undefined) {
    if (!isRecord(value.versions)) bad(path, `"versions" must be an object`);
    for (const subject of ["probe", "bundle"] as const) {
      const names = value.versions[subject];
      if (names === undefined) continue;
      if (!isRecord(names)) bad(path, `versions.${subject} must be an object`);
      for (const [name, version] of Object.entries(names)) {
        if (typeof version !== "string") bad(path, `versions.${subject}.${name} must be a string`);
        versions.set(subject, name, version);
      }
    }
  }
  const allowRollback =
    typeof value.allowRollback === "boolean"
      ? value.allowRollback
      : (strings(value.allowRollback, path, "allowRollback") ?? false);
  if (value.threshold !== undefined && typeof value.threshold !== "number") bad(path, `"threshold" must be a number`);
  return createTrustPolicy({
    keys,
    revokedKeyIds: strings(value.revokedKeyIds, path, "revokedKeyIds") ?? [],
    ...(typeof value.threshold === "number" ? { threshold: value.threshold } : {}),
    grants,
    versions,
    allowRollback,
  });
}
