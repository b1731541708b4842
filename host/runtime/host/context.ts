import { type Context, ROOT_CONTEXT, type Tracer, type TracerProvider } from "@opentelemetry/api";
import type { HostClock } from "../../clock/clock.js";
import type { ProbeTelemetry } from "../../otel/probe-telemetry.js";
import type { SpanTable } from "../../otel/span-table.js";
import type { HostLimits } from "../../world/limits.js";
import type { Manifest } from "../../world/manifest.js";
import type { ProbeRates } from "../quotas.js";
import type { ProbeStats } from "../stats.js";

/** Log levels of the probe world's `log` interface, in WIT order. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number] | "fatal";

/** A log line a probe wrote, with the request's trace context. */
export interface ProbeLogRecord {
  readonly probe: string;
  readonly level: LogLevel;
  readonly message: string;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
}

/** What the request-scoped imports read about the current request. */
export interface RequestView {
  readonly parent: Context;
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly tracestate: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly receivedAtNs: number;
  header(lowerCaseName: string): string | undefined;
  /** Record a sampling decision; later spans of the request see it. */
  sample(keep: boolean): void;
}

/** The request view `init` runs under: no request, no parent. */
export function initView(): RequestView {
  return {
    parent: ROOT_CONTEXT as Context,
    traceId: "",
    spanId: "",
    traceFlags: 0,
    tracestate: "",
    method: "",
    route: "",
    status: 0,
    receivedAtNs: 0,
    header: () => undefined,
    sample: () => {},
  };
}

/** The hook invocation in progress (one object per probe instance, reused call after call). */
export interface ActiveCall {
  request: RequestView;
  spans: SpanTable;
  spansStarted: number;
  logUnits: number;
}

/**
 * Everything the probe world's semantics need of one probe (host/runtime/host/semantics.ts),
 * whichever path lowers its calls: the fast path adds the guest memory
 * (core/context.ts), the jco path receives values already lifted. One per
 * loaded probe instance: sandbox state never lives in module globals.
 */
export interface WorldContext {
  readonly name: string;
  readonly manifest: Manifest;
  readonly clock: HostClock;
  readonly tracer: Tracer;
  /** The provider `tracer` came from: while it is the API's proxy with no SDK behind it, spans are the API's no-op spans. */
  readonly tracerProvider: TracerProvider;
  readonly limits: HostLimits;
  readonly stats: ProbeStats;
  /** Per-probe budgets over a time window (spans, log units), kept across re-instantiations. */
  readonly rates: ProbeRates;
  /** The probe's meter, logger and ledger account (kept across re-instantiations). */
  readonly telemetry: ProbeTelemetry;
  readonly log: (record: ProbeLogRecord) => void;
  /** Set for the duration of a hook call, undefined otherwise. */
  call: ActiveCall | undefined;
  /** The message of the last `abort`, attached to the trap that follows. */
  abortMessage: string | undefined;
}
