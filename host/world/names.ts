/**
 * The names of the probe world (wit/probe.wit), written once: every other
 * host file takes interface names, export names and hook lists from here, so
 * a version bump in wit/ is one edit.
 */

/** Version of our own package, `sandprobe:probe`. */
export const PROBE_WORLD_VERSION = "0.1.0";
/** Version of the WASI clocks interfaces the world imports. */
export const WASI_CLOCKS_VERSION = "0.2.0";

/** Every interface the probe world imports, versioned as in the WIT (the core import module names). */
export const INTERFACES = {
  monotonicClock: `wasi:clocks/monotonic-clock@${WASI_CLOCKS_VERSION}`,
  wallClock: `wasi:clocks/wall-clock@${WASI_CLOCKS_VERSION}`,
  types: `sandprobe:probe/types@${PROBE_WORLD_VERSION}`,
  trace: `sandprobe:probe/trace@${PROBE_WORLD_VERSION}`,
  http: `sandprobe:probe/http@${PROBE_WORLD_VERSION}`,
  metrics: `sandprobe:probe/metrics@${PROBE_WORLD_VERSION}`,
  log: `sandprobe:probe/log@${PROBE_WORLD_VERSION}`,
} as const;

/** AssemblyScript's own import module (its default `abort`); fast path only, not part of the WIT. */
export const ASSEMBLYSCRIPT_ENV = "env";

/** The hooks a probe may export, called once per request in this order. */
export const HOOK_NAMES = ["request", "response"] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** Called once per instance, before any hook. */
export const INIT_EXPORT = "init";
/**
 * The canonical ABI's post-return function of an export, by the core-module
 * naming convention (component-model BuildTargets.md): called after the
 * export returns, e.g. to free what it returned or, in componentize-js's
 * engine, to finish the call. Optional.
 */
export function postReturnExport(name: string): string {
  return `cabi_post_${name}`;
}

/** Every export the host calls: `init`, the hooks and their post-return functions (the metered entries, docs/metering.md). */
export const PROBE_ENTRIES: readonly string[] = [INIT_EXPORT, ...HOOK_NAMES].flatMap((name) => [
  name,
  postReturnExport(name),
]);

/** The guest's linear memory, which every string and return area lives in. */
export const MEMORY_EXPORT = "memory";
/** The canonical ABI's allocator, through which the host returns strings. */
export const REALLOC_EXPORT = "cabi_realloc";

/** An interface name without its version ("sandprobe:probe/trace"), as jco looks imports up at run time. */
export function unversioned(name: string): string {
  const at = name.lastIndexOf("@");
  return at < 0 ? name : name.slice(0, at);
}

const INTERFACE_BY_UNVERSIONED: ReadonlyMap<string, string> = new Map(
  Object.values(INTERFACES).map((name) => [unversioned(name), name]),
);

/** The semver compatibility track of a version: "1" for 1.4.2, "0.2" for 0.2.10, "0.0.3" for 0.0.3. */
function compatibilityTrack(version: string): string | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(version);
  if (!match) return undefined;
  const [, major, minor, patch] = match;
  if (major !== "0") return major;
  return minor !== "0" ? `0.${minor}` : `0.0.${patch}`;
}

/**
 * The world interface an import module name stands for: itself, or the
 * world's version of it when the name carries a semver-compatible version
 * (the Component Model's rule, as wasmtime links: 0.2.10 and 0.2.0 are one
 * track). Toolchains built against newer WASI point releases
 * (componentize-js imports wasi:clocks/monotonic-clock@0.2.10) then meet the
 * world's 0.2.0 functions; each function is still checked by name and type.
 * Undefined for anything else.
 */
export function worldInterface(module: string): string | undefined {
  const at = module.lastIndexOf("@");
  if (at < 0) return undefined;
  const canonical = INTERFACE_BY_UNVERSIONED.get(module.slice(0, at));
  if (canonical === undefined) return undefined;
  if (canonical === module) return canonical;
  const track = compatibilityTrack(module.slice(at + 1));
  return track !== undefined && track === compatibilityTrack(canonical.slice(canonical.lastIndexOf("@") + 1))
    ? canonical
    : undefined;
}
