/**
 * The ledger: for every probe, what it emitted and what became of it. Each
 * span (and log record) a probe emits ends in exactly one bucket, exported
 * or dropped for one reason, so once the pipeline is flushed
 * `emitted = exported + sum(dropped)`; before that the difference is what is
 * still in flight (open spans, tail buffers, export queues).
 */

/** Why a probe's span or log record never reached the backend. */
export type TelemetryDropReason =
  /** Not sampled: head sampling (parent, ratio, a probe's decision) or the tail decision. */
  | "sampled-out"
  /** Over a per-invocation quota of the host (spans or log lines per hook call). */
  | "quota"
  /** A full buffer: the export queue or the tail-sampling buffer. */
  | "queue-full"
  /** The exporter reported failure (after its own retries). */
  | "export-failure"
  /** Ended after the pipeline shut down. */
  | "shutdown";

export const DROP_REASONS: readonly TelemetryDropReason[] = [
  "sampled-out",
  "quota",
  "queue-full",
  "export-failure",
  "shutdown",
];

/** Counters for one signal (spans or logs) of one probe. */
export class SignalAccount {
  emitted = 0;
  exported = 0;
  readonly dropped: Record<TelemetryDropReason, number> = {
    "sampled-out": 0,
    quota: 0,
    "queue-full": 0,
    "export-failure": 0,
    shutdown: 0,
  };

  drop(reason: TelemetryDropReason, count = 1): void {
    this.dropped[reason] += count;
  }

  /** Emitted but neither exported nor dropped yet. */
  get inFlight(): number {
    let dropped = 0;
    for (const reason of DROP_REASONS) dropped += this.dropped[reason];
    return this.emitted - this.exported - dropped;
  }

  snapshot(): SignalAccountSnapshot {
    return { emitted: this.emitted, exported: this.exported, dropped: { ...this.dropped }, inFlight: this.inFlight };
  }
}

export interface SignalAccountSnapshot {
  readonly emitted: number;
  readonly exported: number;
  readonly dropped: Readonly<Record<TelemetryDropReason, number>>;
  /** emitted - exported - sum(dropped): 0 once everything is flushed. */
  readonly inFlight: number;
}

/** One probe's accounts, kept by name across reloads of the probe. */
export class ProbeAccount {
  readonly spans = new SignalAccount();
  readonly logs = new SignalAccount();
  constructor(readonly probe: string) {}
}

export interface ProbeAccountSnapshot {
  readonly spans: SignalAccountSnapshot;
  readonly logs: SignalAccountSnapshot;
}

/**
 * Accounts by probe name. The runtime opens an account when it loads a probe
 * (its instrumentation scope name is the probe name), and the pipeline
 * (tail sampler, accounting processor and exporter) finds it by the scope of
 * each span; spans of other scopes (the application's, the adapter's server
 * span) pass through unaccounted.
 */
export class TelemetryLedger {
  private readonly accounts = new Map<string, ProbeAccount>();

  /** The account of a probe, opened on first use. */
  open(probe: string): ProbeAccount {
    let account = this.accounts.get(probe);
    if (account === undefined) {
      account = new ProbeAccount(probe);
      this.accounts.set(probe, account);
    }
    return account;
  }

  /** The account for an instrumentation scope name, if it is a probe's. */
  find(scope: string): ProbeAccount | undefined {
    return this.accounts.get(scope);
  }

  probes(): string[] {
    return [...this.accounts.keys()];
  }

  snapshot(): Record<string, ProbeAccountSnapshot> {
    const out: Record<string, ProbeAccountSnapshot> = {};
    for (const [name, account] of this.accounts) {
      out[name] = { spans: account.spans.snapshot(), logs: account.logs.snapshot() };
    }
    return out;
  }
}
