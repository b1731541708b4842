import type { Attributes, Context, Counter, Histogram, HrTime, Meter, MeterProvider } from "@opentelemetry/api";
import type { ProbeAccount, TelemetryDropReason, TelemetryLedger } from "./ledger.js";

/** The log record a probe's `log` call becomes (a subset of @opentelemetry/api-logs' LogRecord). */
export interface ProbeLogRecordOut {
  readonly timestamp: HrTime;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: string;
  readonly context: Context;
}

/**
 * What the runtime needs of a LoggerProvider: @opentelemetry/api-logs'
 * `LoggerProvider` (and so the SDK's) fits, without the core depending on
 * that package.
 */
export interface ProbeLoggerProvider {
  getLogger(name: string, version?: string): { emit(record: ProbeLogRecordOut): void };
}

/** Where a runtime sends what probes emit besides spans, and how it accounts for it. */
export interface ProbeTelemetryOptions {
  readonly ledger: TelemetryLedger;
  readonly meterProvider: MeterProvider;
  /** Probe log lines become OpenTelemetry log records here (none when absent). */
  readonly loggerProvider: ProbeLoggerProvider | undefined;
  /** Distinct (instrument, attribute) series one probe may create. */
  readonly maxMetricSeries: number;
}

/** What happened to one metric call. */
export type MetricOutcome = "recorded" | "cardinality" | "invalid";

/** OpenTelemetry's instrument name syntax. */
const INSTRUMENT_NAME = /^[A-Za-z][-_./A-Za-z0-9]{0,254}$/;

/** Severity numbers of the log levels (OpenTelemetry log data model). */
const SEVERITY: Readonly<Record<string, number>> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };
const SEVERITY_TEXT: Readonly<Record<string, string>> = {
  trace: "TRACE",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARN",
  error: "ERROR",
  fatal: "FATAL",
};

interface Series {
  readonly record: (value: number, attributes: Attributes) => void;
  readonly attributes: Attributes;
}

const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * One probe's meter, logger and account. Kept for the life of the loaded
 * probe (across re-instantiations), so its cardinality budget is not reset
 * by a trap. Instruments are created on first use; the meter and logger
 * scopes are the probe's name and version.
 */
export class ProbeTelemetry {
  readonly account: ProbeAccount;
  private readonly meter: Meter;
  private readonly logger: ReturnType<ProbeLoggerProvider["getLogger"]> | undefined;
  private readonly maxSeries: number;
  private readonly series = new Map<string, Series>();
  private readonly instruments = new Map<string, Counter | Histogram>();

  constructor(name: string, version: string, options: ProbeTelemetryOptions) {
    this.account = options.ledger.open(name);
    this.meter = options.meterProvider.getMeter(name, version);
    this.logger = options.loggerProvider?.getLogger(name, version);
    this.maxSeries = options.maxMetricSeries;
  }

  /** Series created so far. */
  get metricSeries(): number {
    return this.series.size;
  }

  counterAdd(name: string, value: number, key: string, attrValue: string): MetricOutcome {
    if (!(value >= 0) || !Number.isFinite(value)) return "invalid";
    return this.record("counter", name, value, key, attrValue);
  }

  histogramRecord(name: string, value: number, key: string, attrValue: string): MetricOutcome {
    if (!Number.isFinite(value)) return "invalid";
    return this.record("histogram", name, value, key, attrValue);
  }

  private record(
    kind: "counter" | "histogram",
    name: string,
    value: number,
    key: string,
    attrValue: string,
  ): MetricOutcome {
    const id = key === "" ? `${kind}\u0000${name}` : `${kind}\u0000${name}\u0000${key}\u0000${attrValue}`;
    let series = this.series.get(id);
    if (series === undefined) {
      if (!INSTRUMENT_NAME.test(name)) return "invalid";
      if (this.series.size >= this.maxSeries) return "cardinality";
      const instrument = this.instrument(kind, name);
      const record =
        kind === "counter"
          ? (v: number, a: Attributes) => (instrument as Counter).add(v, a)
          : (v: number, a: Attributes) => (instrument as Histogram).record(v, a);
      series = { record, attributes: key === "" ? NO_ATTRIBUTES : Object.freeze({ [key]: attrValue }) };
      this.series.set(id, series);
    }
    series.record(value, series.attributes);
    return "recorded";
  }

  private instrument(kind: "counter" | "histogram", name: string): Counter | Histogram {
    const id = `${kind}\u0000${name}`;
    let instrument = this.instruments.get(id);
    if (instrument === undefined) {
      instrument = kind === "counter" ? this.meter.createCounter(name) : this.meter.createHistogram(name);
      this.instruments.set(id, instrument);
    }
    return instrument;
  }

  /** Whether probe log lines go to an OpenTelemetry logger (and are accounted). */
  get logs(): boolean {
    return this.logger !== undefined;
  }

  /** A log line the host refused: emitted and dropped, when logs are accounted. */
  dropLog(reason: TelemetryDropReason): void {
    if (this.logger === undefined) return;
    this.account.logs.emitted++;
    this.account.logs.drop(reason);
  }

  /**
   * Emit one log record, correlated with the span of `context` (the
   * request's current span) and timestamped with nanoseconds.
   */
  emitLog(level: string, message: string, context: Context, time: HrTime): void {
    const logger = this.logger;
    if (logger === undefined) return;
    this.account.logs.emitted++;
    logger.emit({
      timestamp: time,
      severityNumber: SEVERITY[level] ?? 9,
      severityText: SEVERITY_TEXT[level] ?? "INFO",
      body: message,
      context,
    });
  }
}
