import type { Manifest } from "../world/manifest.js";
import type { TrustPolicy } from "./policy.js";

type Accepted =
  | { readonly manifest: Manifest }
  | { readonly name: string; readonly version: string; readonly probes: readonly { readonly manifest: Manifest }[] };

/**
 * Record a verified probe or bundle as accepted (loaded), so older versions
 * are refused from now on (rollback protection). verifyProbe and verifyBundle
 * never record: call this after the load succeeded, so a bundle that fails to
 * load moves no version forward.
 */
export function recordAccepted(policy: TrustPolicy, accepted: Accepted): void {
  if ("manifest" in accepted) {
    policy.versions.set("probe", accepted.manifest.name, accepted.manifest.version);
    return;
  }
  policy.versions.set("bundle", accepted.name, accepted.version);
  for (const probe of accepted.probes) policy.versions.set("probe", probe.manifest.name, probe.manifest.version);
}
