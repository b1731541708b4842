import type { Meter, ObservableResult } from "@opentelemetry/api";
import type { BundleWatch } from "../runtime/fleet/watch.js";

/**
 * A bundle watch as metrics, observed at each collection:
 * `sandprobe.bundle.updates` (monotonic counter) with `outcome` = accepted,
 * refused or source-error and, when not accepted, `error.type` = the
 * refusal's code (E_SIGNATURE_INVALID, E_ROLLBACK, ...) or the source's
 * reason (status, timeout, too-large, network, read).
 */
export function observeBundleWatch(meter: Meter, watch: BundleWatch): void {
  const updates = meter.createObservableCounter("sandprobe.bundle.updates", {
    unit: "{bundle}",
    description: "Bundles a host's watch received, by outcome (error.type: why one was refused or not delivered)",
  });
  updates.addCallback((result: ObservableResult) => {
    const status = watch.status();
    const source = { "sandprobe.bundle.source": status.source };
    result.observe(status.accepted, { ...source, outcome: "accepted" });
    for (const [code, count] of Object.entries(status.refusedBy)) {
      result.observe(count ?? 0, { ...source, outcome: "refused", "error.type": code });
    }
    for (const [reason, count] of Object.entries(status.sourceErrorsBy)) {
      result.observe(count, { ...source, outcome: "source-error", "error.type": reason });
    }
  });
}
