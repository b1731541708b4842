import { SandprobeError } from "../errors.js";
import { HOOK_NAMES, type HookName } from "./names.js";

/** Name of the custom section holding the probe manifest (UTF-8 JSON). */
export const MANIFEST_SECTION = "wasi-observability";

export { HOOK_NAMES, type HookName } from "./names.js";

/**
 * Capabilities a probe may request. Trace, log and clock imports need none:
 * they are what a probe is for. Request facts each need their own grant.
 */
export type Capability = "http.method" | "http.route" | "http.status" | "http.received-at" | "http.header";
export const CAPABILITIES: readonly Capability[] = [
  "http.method",
  "http.route",
  "http.status",
  "http.received-at",
  "http.header",
];

/** Limits a probe asks for; the host caps each with its own policy. */
export interface RequestedLimits {
  /** Fuel per hook invocation. */
  readonly fuel?: number;
  /** Maximum linear memory, in 64 KiB pages. */
  readonly memoryPages?: number;
  /** Spans per hook invocation. */
  readonly spansPerInvocation?: number;
}

/**
 * How the probe's core module lays out strings in the canonical ABI:
 * "utf16" (AssemblyScript; a length counts code units) or "utf8" (C, Rust,
 * componentize-js; a length counts bytes). Absent means "utf16".
 */
export type StringEncoding = "utf16" | "utf8";
export const STRING_ENCODINGS: readonly StringEncoding[] = ["utf16", "utf8"];

export interface Manifest {
  /** Schema version of this manifest format (1). */
  readonly schema: 1;
  readonly name: string;
  /** Semantic version "MAJOR.MINOR.PATCH". */
  readonly version: string;
  readonly hooks: readonly HookName[];
  readonly capabilities: readonly Capability[];
  /** Lower-case names of the request headers the probe may read (needs "http.header"). */
  readonly headers: readonly string[];
  readonly limits: RequestedLimits;
  /** The string encoding of its core module (absent: "utf16"). */
  readonly stringEncoding?: StringEncoding;
}

/** The string encoding a probe's manifest declares ("utf16" when it says nothing). */
export function stringEncodingOf(manifest: Manifest): StringEncoding {
  return manifest.stringEncoding ?? "utf16";
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const SEMVER = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;
const HEADER = /^[!#$%&'*+.^_`|~0-9a-z-]{1,64}$/;
const MAX_MANIFEST_BYTES = 16 * 1024;

function fail(message: string): never {
  throw new SandprobeError("E_MANIFEST", message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) fail(`"${field}" must be a list of strings`);
  if (new Set(value).size !== value.length) fail(`"${field}" lists a value twice`);
  return value as string[];
}

function positiveInt(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0)
    fail(`"limits.${field}" must be a positive integer`);
  return value;
}

/** Validate a decoded manifest object; unknown fields are refused so typos cannot hide. */
export function validateManifest(value: unknown): Manifest {
  if (!isRecord(value)) fail("manifest must be a JSON object");
  const known = new Set(["schema", "name", "version", "hooks", "capabilities", "headers", "limits", "stringEncoding"]);
  for (const key of Object.keys(value)) if (!known.has(key)) fail(`unknown field "${key}"`);
  if (value.schema !== 1) fail(`"schema" must be 1`);
  if (typeof value.name !== "string" || !NAME.test(value.name)) fail(`"name" must match ${NAME}`);
  if (typeof value.version !== "string" || !SEMVER.test(value.version)) fail(`"version" must be MAJOR.MINOR.PATCH`);
  const hooks = stringList(value.hooks, "hooks");
  for (const hook of hooks) if (!(HOOK_NAMES as readonly string[]).includes(hook)) fail(`unknown hook "${hook}"`);
  const capabilities = stringList(value.capabilities, "capabilities");
  for (const cap of capabilities) if (!CAPABILITIES.includes(cap as Capability)) fail(`unknown capability "${cap}"`);
  const headers = stringList(value.headers, "headers");
  for (const header of headers)
    if (!HEADER.test(header)) fail(`header "${header}" must be a lower-case HTTP field name`);
  if (headers.length > 0 && !capabilities.includes("http.header")) fail(`"headers" needs the "http.header" capability`);
  const limitsValue = value.limits ?? {};
  if (!isRecord(limitsValue)) fail(`"limits" must be an object`);
  const knownLimits = new Set(["fuel", "memoryPages", "spansPerInvocation"]);
  for (const key of Object.keys(limitsValue)) if (!knownLimits.has(key)) fail(`unknown limit "${key}"`);
  const limits: RequestedLimits = {
    ...optional("fuel", positiveInt(limitsValue.fuel, "fuel")),
    ...optional("memoryPages", positiveInt(limitsValue.memoryPages, "memoryPages")),
    ...optional("spansPerInvocation", positiveInt(limitsValue.spansPerInvocation, "spansPerInvocation")),
  };
  const encoding = value.stringEncoding;
  if (encoding !== undefined && !STRING_ENCODINGS.includes(encoding as StringEncoding)) {
    fail(`"stringEncoding" must be one of ${STRING_ENCODINGS.join(", ")}`);
  }
  return {
    schema: 1,
    name: value.name,
    version: value.version,
    hooks: hooks as HookName[],
    capabilities: capabilities as Capability[],
    headers,
    limits,
    ...(encoding === undefined ? {} : { stringEncoding: encoding as StringEncoding }),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Decode the content of a `wasi-observability` custom section. */
export function decodeManifest(content: Uint8Array): Manifest {
  if (content.length > MAX_MANIFEST_BYTES) fail(`manifest is ${content.length} bytes (limit ${MAX_MANIFEST_BYTES})`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(content);
  } catch {
    fail("manifest is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail(`manifest is not valid JSON: ${(error as Error).message}`);
  }
  return validateManifest(value);
}

/** Encode a manifest as the content of a `wasi-observability` custom section. */
export function encodeManifest(manifest: Manifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(validateManifest(manifest)));
}

/** Compare two MAJOR.MINOR.PATCH versions: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
