/**
 * A span processor for request-scoped runtimes (workerd, Deno Deploy, any
 * fetch handler): no timers, no background work. Finished spans wait in a
 * bounded buffer; `flush()` at the end of each request exports what is there
 * in one batch, and the adapter hands the promise to `ctx.waitUntil`, so the
 * export runs in the request that produced the spans.
 *
 * Typed structurally against OpenTelemetry's SpanProcessor and SpanExporter,
 * so this file needs no SDK: pass it to any SDK's tracer provider.
 */
import type { Context, TracerProvider } from "@opentelemetry/api";
import type { ClockFacts } from "../clock/edge.js";

/** Where spans go: a tracer provider, and a flush the worker calls once per request. */
export interface EdgeTelemetry {
  readonly tracerProvider: TracerProvider;
  /** Export what is waiting; must not reject. */
  flush(): Promise<void>;
  /** Counters for the status path (exported, dropped, ...). */
  stats?(): Readonly<Record<string, unknown>>;
}

/** Attribute set on every span started while the clock is coarse (ClockFacts.coarse). */
export const CLOCK_COARSE_ATTRIBUTE = "sandprobe.clock.coarse";

/** What the processor needs of a started span. */
export interface StartedSpanLike {
  setAttribute(key: string, value: boolean | number | string): unknown;
}

/** OpenTelemetry's ExportResult: code 0 success, 1 failure. */
export interface ExportResultLike {
  readonly code: number;
  readonly error?: Error;
}

export interface SpanExporterLike<S> {
  export(spans: S[], resultCallback: (result: ExportResultLike) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

export interface RequestBatchOptions {
  /** Facts about the clock spans are timed with; coarse clocks mark their spans. */
  readonly clock?: ClockFacts;
  /** Spans kept waiting at most; further ones are dropped and counted (default 2048). */
  readonly maxQueue?: number;
  /**
   * 0 (the default): `requestDone()` exports the request's spans at once.
   * Above 0: the first request to finish waits this long (inside its
   * waitUntil) and exports everything that arrived meanwhile, so busy
   * workers send one export per window instead of one per request; the
   * requests that finish in the window add their spans and wait for nothing.
   */
  readonly lingerMs?: number;
  /** With lingerMs: export at once when this many spans wait (default 512). */
  readonly maxBatch?: number;
}

export interface RequestBatchStats {
  exported: number;
  dropped: number;
  failedExports: number;
  lastError: string | undefined;
}

export class RequestBatchProcessor<S> {
  readonly stats: RequestBatchStats = { exported: 0, dropped: 0, failedExports: 0, lastError: undefined };
  private readonly exporter: SpanExporterLike<S>;
  private readonly coarse: boolean;
  private readonly maxQueue: number;
  private readonly lingerMs: number;
  private readonly maxBatch: number;
  private queue: S[] = [];
  private lingering = false;
  private stopped: Promise<void> | undefined;

  constructor(exporter: SpanExporterLike<S>, options: RequestBatchOptions = {}) {
    this.exporter = exporter;
    this.coarse = options.clock?.coarse === true;
    this.maxQueue = options.maxQueue ?? 2048;
    this.lingerMs = Math.max(0, options.lingerMs ?? 0);
    this.maxBatch = options.maxBatch ?? 512;
  }

  onStart(span: StartedSpanLike, _parentContext: Context): void {
    if (this.coarse) span.setAttribute(CLOCK_COARSE_ATTRIBUTE, true);
  }

  onEnd(span: S): void {
    if (this.stopped) return;
    if (this.queue.length >= this.maxQueue) {
      this.stats.dropped++;
      return;
    }
    this.queue.push(span);
  }

  /**
   * A request is done: the promise to hand to `ctx.waitUntil`. Exports now,
   * or (with lingerMs) once per window; never rejects.
   */
  requestDone(): Promise<void> {
    if (this.lingerMs === 0 || this.queue.length >= this.maxBatch) return this.flush();
    if (this.lingering || this.queue.length === 0) return Promise.resolve();
    this.lingering = true;
    return new Promise<void>((resolve) => setTimeout(resolve, this.lingerMs)).then(() => {
      this.lingering = false;
      return this.flush();
    });
  }

  /** Export every waiting span in one batch. Never rejects: failures are counted. */
  flush(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    const batch = this.queue;
    this.queue = [];
    return new Promise<void>((resolve) => {
      const done = (result: ExportResultLike) => {
        if (result.code === 0) {
          this.stats.exported += batch.length;
        } else {
          this.stats.failedExports++;
          this.stats.lastError = result.error?.message ?? "export failed";
        }
        resolve();
      };
      try {
        this.exporter.export(batch, done);
      } catch (error) {
        done({ code: 1, error: error instanceof Error ? error : new Error(String(error)) });
      }
    });
  }

  forceFlush(): Promise<void> {
    return this.flush();
  }

  /** Flush once more and shut the exporter down; later calls return the same promise. */
  shutdown(): Promise<void> {
    this.stopped ??= this.flush().then(() => this.exporter.shutdown());
    return this.stopped;
  }
}
