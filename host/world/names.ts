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
/** Every export the host calls: `init` and the hooks (the metered entries, docs/metering.md). */
export const PROBE_ENTRIES: readonly string[] = [INIT_EXPORT, ...HOOK_NAMES];

/** The guest's linear memory, which every string and return area lives in. */
export const MEMORY_EXPORT = "memory";
/** The canonical ABI's allocator, through which the host returns strings. */
export const REALLOC_EXPORT = "cabi_realloc";

/** An interface name without its version ("sandprobe:probe/trace"), as jco looks imports up at run time. */
export function unversioned(name: string): string {
  const at = name.lastIndexOf("@");
  return at < 0 ? name : name.slice(0, at);
}
