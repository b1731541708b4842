import type { Meter, ObservableResult } from "@opentelemetry/api";
import { DROP_REASONS, type SignalAccount, type TelemetryLedger } from "../otel/ledger.js";

/**
 * The ledger as metrics of the runtime itself, observed at each collection:
 * `sandprobe.probe.{spans,logs}.{emitted,exported,dropped}` (monotonic
 * counters), attributed with `probe.name` and, for drops, `error.type` =
 * the reason (sampled-out, quota, queue-full, export-failure, shutdown).
 */
export function observeLedger(meter: Meter, ledger: TelemetryLedger): void {
  for (const signal of ["spans", "logs"] as const) {
    const unit = signal === "spans" ? "{span}" : "{log_record}";
    const emitted = meter.createObservableCounter(`sandprobe.probe.${signal}.emitted`, {
      unit,
      description: `Probe ${signal} emitted (each ends exported or dropped)`,
    });
    const exported = meter.createObservableCounter(`sandprobe.probe.${signal}.exported`, {
      unit,
      description: `Probe ${signal} the exporter accepted`,
    });
    const dropped = meter.createObservableCounter(`sandprobe.probe.${signal}.dropped`, {
      unit,
      description: `Probe ${signal} dropped, by reason (error.type)`,
    });
    const each = (visit: (probe: string, account: SignalAccount) => void) => {
      for (const probe of ledger.probes()) {
        const account = ledger.find(probe);
        if (account) visit(probe, account[signal]);
      }
    };
    emitted.addCallback((result: ObservableResult) =>
      each((probe, account) => result.observe(account.emitted, { "probe.name": probe })),
    );
    exported.addCallback((result: ObservableResult) =>
      each((probe, account) => result.observe(account.exported, { "probe.name": probe })),
    );
    dropped.addCallback((result: ObservableResult) =>
      each((probe, account) => {
        for (const reason of DROP_REASONS) {
          result.observe(account.dropped[reason], { "probe.name": probe, "error.type": reason });
        }
      }),
    );
  }
}
