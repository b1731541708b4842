import { type Context, TraceFlags } from "@opentelemetry/api";
import type { ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { TelemetryLedger } from "../otel/ledger.js";

/** ExportResultCode.SUCCESS / FAILED, without a run-time dependency on @opentelemetry/core. */
const SUCCESS = 0;
const FAILED = 1;

export interface AccountingOptions {
  readonly ledger: TelemetryLedger;
  /** The exporter that really sends spans (OTLP, console, ...). */
  readonly exporter: SpanExporter;
  /**
   * Builds the processor that queues and batches spans for the exporter it
   * is given, usually the SDK's `BatchSpanProcessor` (whose own queue bound
   * must be at least `maxQueueSize`).
   */
  readonly batch: (exporter: SpanExporter) => SpanProcessor;
  /** Spans queued or being exported at once; more are dropped as "queue-full" (default 2048). */
  readonly maxQueueSize?: number;
}

/**
 * A span processor that accounts for every probe span it is handed: queued
 * (up to a bound it enforces itself, so the batch processor it wraps never
 * drops silently), then exported or failed as the exporter reports. With the
 * ledger's `emitted` count from the runtime, each probe's numbers add up:
 * emitted = exported + sampled-out + quota + queue-full + export-failure + shutdown.
 */
export class AccountingSpanProcessor implements SpanProcessor {
  private readonly ledger: TelemetryLedger;
  private readonly inner: SpanProcessor;
  private readonly exporter: SpanExporter;
  private readonly maxQueueSize: number;
  /** Spans handed to the batch processor that have not reached the exporter yet. */
  private queued = 0;
  private closed = false;

  constructor(options: AccountingOptions) {
    this.ledger = options.ledger;
    this.exporter = options.exporter;
    this.maxQueueSize = options.maxQueueSize ?? 2048;
    this.inner = options.batch(this.accountingExporter());
  }

  /** Spans waiting in the queue (not yet handed to the exporter). */
  get queueLength(): number {
    return this.queued;
  }

  /** Whether `count` more spans fit in the queue now. */
  hasRoom(count: number): boolean {
    return !this.closed && this.queued + count <= this.maxQueueSize;
  }

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const account = this.ledger.find(span.instrumentationScope.name)?.spans;
    if (this.closed) {
      account?.drop("shutdown");
      return;
    }
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) {
      // Recorded but not sampled (RECORD_ONLY): never exported.
      account?.drop("sampled-out");
      return;
    }
    if (this.queued >= this.maxQueueSize) {
      account?.drop("queue-full");
      return;
    }
    this.queued++;
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    this.closed = true;
    return this.inner.shutdown();
  }

  private settle(spans: readonly ReadableSpan[], exported: boolean): void {
    for (const span of spans) {
      const account = this.ledger.find(span.instrumentationScope.name)?.spans;
      if (account === undefined) continue;
      if (exported) account.exported++;
      else account.drop("export-failure");
    }
  }

  private accountingExporter(): SpanExporter {
    const target = this.exporter;
    const wrapper: SpanExporter = {
      export: (spans, resultCallback) => {
        this.queued -= spans.length;
        let settled = false;
        const done = (result: ExportResult) => {
          if (settled) return;
          settled = true;
          this.settle(spans, result.code === SUCCESS);
          resultCallback(result);
        };
        try {
          target.export(spans, done);
        } catch (error) {
          done({ code: FAILED, error: error instanceof Error ? error : new Error(String(error)) });
        }
      },
      shutdown: () => target.shutdown(),
      forceFlush: () => target.forceFlush?.() ?? Promise.resolve(),
    };
    return wrapper;
  }
}

/** The parts of @opentelemetry/sdk-logs' types the log accounting needs. */
export interface AccountableLogRecord {
  readonly instrumentationScope: { readonly name: string };
}
export interface LogRecordExporterLike<R extends AccountableLogRecord> {
  export(logs: R[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}
export interface LogRecordProcessorLike<R extends AccountableLogRecord> {
  onEmit(logRecord: R, context?: Context): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface LogAccountingOptions<R extends AccountableLogRecord> {
  readonly ledger: TelemetryLedger;
  readonly exporter: LogRecordExporterLike<R>;
  /** Builds the batching processor (the SDK's `BatchLogRecordProcessor`) around the exporter it is given. */
  readonly batch: (exporter: LogRecordExporterLike<R>) => LogRecordProcessorLike<R>;
  readonly maxQueueSize?: number;
}

/** The log-record twin of `AccountingSpanProcessor`: every probe log record ends exported or dropped, counted. */
export class AccountingLogRecordProcessor<R extends AccountableLogRecord> implements LogRecordProcessorLike<R> {
  private readonly ledger: TelemetryLedger;
  private readonly inner: LogRecordProcessorLike<R>;
  private readonly exporter: LogRecordExporterLike<R>;
  private readonly maxQueueSize: number;
  private queued = 0;
  private closed = false;

  constructor(options: LogAccountingOptions<R>) {
    this.ledger = options.ledger;
    this.exporter = options.exporter;
    this.maxQueueSize = options.maxQueueSize ?? 2048;
    this.inner = options.batch(this.accountingExporter());
  }

  onEmit(logRecord: R, context?: Context): void {
    const account = this.ledger.find(logRecord.instrumentationScope.name)?.logs;
    if (this.closed) {
      account?.drop("shutdown");
      return;
    }
    if (this.queued >= this.maxQueueSize) {
      account?.drop("queue-full");
      return;
    }
    this.queued++;
    this.inner.onEmit(logRecord, context);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    this.closed = true;
    return this.inner.shutdown();
  }

  private accountingExporter(): LogRecordExporterLike<R> {
    const target = this.exporter;
    return {
      export: (logs, resultCallback) => {
        this.queued -= logs.length;
        let settled = false;
        const done = (result: ExportResult) => {
          if (settled) return;
          settled = true;
          for (const log of logs) {
            const account = this.ledger.find(log.instrumentationScope.name)?.logs;
            if (account === undefined) continue;
            if (result.code === SUCCESS) account.exported++;
            else account.drop("export-failure");
          }
          resultCallback(result);
        };
        try {
          target.export(logs, done);
        } catch (error) {
          done({ code: FAILED, error: error instanceof Error ? error : new Error(String(error)) });
        }
      },
      shutdown: () => target.shutdown(),
      forceFlush: () => target.forceFlush(),
    };
  }
}
