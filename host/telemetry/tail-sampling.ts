import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { TelemetryLedger } from "../otel/ledger.js";
import { keepByRatio } from "../otel/ratio.js";
import { SamplingPolicy } from "../otel/sampling-policy.js";
import {
  type TailAttach,
  type TailDecisionInput,
  type TailRequest,
  tailRequestOf,
  withTailRequest,
} from "../otel/tail-request.js";

/** The spans of one request, held until the request's decision. */
export class TailBucket implements TailRequest {
  readonly spans: ReadableSpan[] = [];
  /** undefined until decided. */
  decision: boolean | undefined;
  /** A span carried the priority attribute: keep, whatever the decision. */
  forced = false;
  /** Spans this request lost to the buffer bound (the rest is then not whole). */
  overflowed = 0;
  /** Trace id of the first span seen, for the ratio fallback. */
  traceId = "";

  constructor(readonly sampler: TailSamplingProcessor) {}

  /** The request is over: keep or drop everything it buffered, and what it ends later. */
  decide(input: TailDecisionInput): boolean {
    return this.sampler.decide(this, input);
  }

  /** The bucket a context belongs to, if tail sampling is on for it. */
  static of(context: Context): TailBucket | undefined {
    const request = tailRequestOf(context);
    return request instanceof TailBucket ? request : undefined;
  }
}

export interface TailSamplingOptions {
  /** Where kept spans go (the accounting processor, or any SpanProcessor). */
  readonly next: SpanProcessor;
  readonly ledger?: TelemetryLedger;
  /** Fallback ratio, critical routes and priority attribute. */
  readonly policy?: SamplingPolicy;
  /** Spans buffered over all undecided requests (default 4096). */
  readonly maxBufferedSpans?: number;
  /** Spans buffered for one request (default 512). */
  readonly maxSpansPerRequest?: number;
}

/** Anything that can take a whole bucket at once may say whether it has room. */
interface RoomAware {
  hasRoom(count: number): boolean;
}

function hasRoom(processor: SpanProcessor, count: number): boolean {
  const aware = processor as Partial<RoomAware>;
  return typeof aware.hasRoom === "function" ? aware.hasRoom(count) : true;
}

/**
 * Tail sampling at the edge. Each request gets a bucket in its context
 * (`attach`); every span started under that context is buffered when it
 * ends, until the request's end decides for all of them at once: kept when
 * a probe said keep, when a span carried the priority attribute or a
 * critical `http.route`, or the request's route is critical; else dropped
 * when a probe said drop; else kept by TraceID ratio (the same hash as
 * `TraceIdRatioBasedSampler`). Kept spans go to `next` together; dropped
 * ones are counted as "sampled-out".
 * Buffers are bounded per request and in total: a span over the bound is
 * dropped at once and counted as "queue-full". Spans that end after their
 * request was decided follow the decision straight away. Spans outside any
 * request pass through.
 */
export class TailSamplingProcessor implements SpanProcessor, TailAttach {
  readonly policy: SamplingPolicy;
  private readonly next: SpanProcessor;
  private readonly ledger: TelemetryLedger | undefined;
  private readonly maxBuffered: number;
  private readonly maxPerRequest: number;
  private readonly owners = new WeakMap<object, TailBucket>();
  private readonly undecided = new Set<TailBucket>();
  private buffered = 0;
  private closed = false;

  constructor(options: TailSamplingOptions) {
    this.next = options.next;
    this.ledger = options.ledger;
    this.policy = options.policy ?? new SamplingPolicy();
    this.maxBuffered = options.maxBufferedSpans ?? 4096;
    this.maxPerRequest = options.maxSpansPerRequest ?? 512;
  }

  /** Spans held now, over all undecided requests. */
  get bufferedSpans(): number {
    return this.buffered;
  }

  /** Requests whose spans are held now. */
  get pendingRequests(): number {
    return this.undecided.size;
  }

  /** A context whose spans are held until the bucket is decided (the same context if it has one). */
  attach(context: Context): Context {
    if (TailBucket.of(context) !== undefined) return context;
    return withTailRequest(context, new TailBucket(this));
  }

  onStart(span: Span, parentContext: Context): void {
    const bucket = TailBucket.of(parentContext);
    if (bucket !== undefined && bucket.sampler === this) this.owners.set(span, bucket);
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const bucket = this.owners.get(span);
    if (bucket === undefined) {
      this.next.onEnd(span);
      return;
    }
    this.owners.delete(span);
    const attributes = span.attributes;
    const route = attributes["http.route"];
    if (
      this.policy.isPriority(attributes[this.policy.priorityAttribute]) ||
      (typeof route === "string" && this.policy.isCriticalRoute(route))
    ) {
      bucket.forced = true;
    }
    if (bucket.decision !== undefined) {
      this.release(span, bucket.decision || bucket.forced);
      return;
    }
    if (this.closed || bucket.spans.length >= this.maxPerRequest || this.buffered >= this.maxBuffered) {
      bucket.overflowed++;
      this.account(span)?.drop(this.closed ? "shutdown" : "queue-full");
      return;
    }
    if (bucket.traceId === "") bucket.traceId = span.spanContext().traceId;
    if (bucket.spans.length === 0) this.undecided.add(bucket);
    bucket.spans.push(span);
    this.buffered++;
  }

  /** Decide a request: see the class comment for the rule. Returns whether it was kept. */
  decide(bucket: TailBucket, input: TailDecisionInput): boolean {
    if (bucket.decision !== undefined) return bucket.decision;
    const keep =
      bucket.forced ||
      this.policy.isCriticalRoute(input.route) ||
      (input.keep ?? keepByRatio(bucket.traceId, this.policy.upperBound));
    bucket.decision = keep;
    this.flush(bucket, keep);
    return keep;
  }

  private flush(bucket: TailBucket, keep: boolean): void {
    const spans = bucket.spans.splice(0);
    this.undecided.delete(bucket);
    this.buffered -= spans.length;
    if (keep && !hasRoom(this.next, spans.length)) {
      // Exported as one or not at all: a partial request is worse than none.
      for (const span of spans) this.account(span)?.drop("queue-full");
      return;
    }
    for (const span of spans) this.release(span, keep);
  }

  private release(span: ReadableSpan, keep: boolean): void {
    if (keep) this.next.onEnd(span);
    else this.account(span)?.drop("sampled-out");
  }

  private account(span: ReadableSpan) {
    return this.ledger?.find(span.instrumentationScope.name)?.spans;
  }

  /** Undecided requests stay buffered: they are still running. */
  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  /** Decide every request still buffered by the fallback rule, then shut `next` down. */
  shutdown(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const bucket of [...this.undecided]) this.decide(bucket, { keep: undefined });
    }
    return this.next.shutdown();
  }
}
