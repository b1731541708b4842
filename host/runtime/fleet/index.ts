/**
 * "sandprobe/fleet": keep hosts in step with published bundles. A source
 * delivers bundles (httpBundleSource here; fileBundleSource in
 * "sandprobe/fleet-node"), `TrustedLoader.watch` verifies and swaps them,
 * and a PersistedVersionLedger keeps rollback protection across restarts.
 * docs/fleet.md has the guarantees and their limits.
 */
export {
  memoryVersionStore,
  type PersistedLedgerOptions,
  PersistedVersionLedger,
  type VersionStore,
} from "../../trust/persisted-versions.js";
export {
  type HttpBundleSource,
  type HttpBundleSourceOptions,
  type HttpSourceStatus,
  httpBundleSource,
} from "./http-source.js";
export type { BundleSource } from "./source.js";
export type { BundleOutcome, BundleWatch, WatchOptions, WatchStatus } from "./watch.js";
