/**
 * The baseline for a probe nobody wrote a JavaScript twin for: record the
 * spans it emits for one request, then make the same spans (names, kinds,
 * parents, attributes, events, status) directly with @opentelemetry/api,
 * after the same sampling decision. The probe's own logic, logs and metrics
 * are not replayed: what is left over is the sandbox plus that logic.
 */
import {
  type AttributeValue,
  type Context,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanAttributes,
  type SpanContext,
  type SpanKind,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import type { HostClock } from "../../clock/clock.js";

interface Recorded {
  readonly name: string;
  readonly kind: SpanKind;
  /** Index of the parent among the recorded spans, -1 for the request's context. */
  readonly parent: number;
  readonly attributes: [string, AttributeValue][];
  readonly events: string[];
  status: SpanStatus | undefined;
}

class RecordingSpan implements Span {
  constructor(
    readonly record: Recorded,
    private readonly context: SpanContext,
  ) {}
  spanContext(): SpanContext {
    return this.context;
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.record.attributes.push([key, value]);
    return this;
  }
  setAttributes(attributes: SpanAttributes): this {
    for (const [k, v] of Object.entries(attributes)) if (v !== undefined) this.record.attributes.push([k, v]);
    return this;
  }
  addEvent(name: string): this {
    this.record.events.push(name);
    return this;
  }
  addLink(_link: Link): this {
    return this;
  }
  addLinks(_links: Link[]): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.record.status = status;
    return this;
  }
  updateName(_name: string): this {
    return this;
  }
  end(_endTime?: TimeInput): void {}
  isRecording(): boolean {
    return true;
  }
  recordException(_exception: Exception, _time?: TimeInput): void {}
}

/** A tracer that remembers what was asked of it, in order. */
export class RecordingTracer implements Tracer, TracerProvider {
  readonly spans: Recorded[] = [];
  private readonly owners = new Map<Span, number>();

  getTracer(): Tracer {
    return this;
  }

  startSpan(name: string, options: SpanOptions = {}, context?: Context): Span {
    const parentSpan = context ? trace.getSpan(context) : undefined;
    const parent = parentSpan ? (this.owners.get(parentSpan) ?? -1) : -1;
    const record: Recorded = { name, kind: options.kind ?? 0, parent, attributes: [], events: [], status: undefined };
    const id = this.spans.length.toString(16).padStart(16, "0");
    const span = new RecordingSpan(record, {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: id,
      traceFlags: 1,
    });
    this.owners.set(span, this.spans.length);
    this.spans.push(record);
    return span;
  }

  startActiveSpan(): never {
    throw new Error("not used by the runtime");
  }
}

/**
 * The recorded spans, made again directly through `tracer`: start at now,
 * attributes, events, status, end at now. One call = one request's spans.
 * `sampled`: the sampling decision the probes recorded, if any: set on the
 * parent's trace flags first, as the runtime does.
 */
export function replayer(
  recorded: readonly Recorded[],
  clock: HostClock,
  sampled?: boolean,
): (tracer: Tracer, parent: Context) => void {
  const spans = recorded.map((r) => ({ ...r, attributes: [...r.attributes], events: [...r.events] }));
  return (tracer, request) => {
    let parent = request;
    if (sampled !== undefined) {
      const context = trace.getSpanContext(parent);
      if (context) {
        const traceFlags = sampled ? context.traceFlags | TraceFlags.SAMPLED : context.traceFlags & ~TraceFlags.SAMPLED;
        parent = trace.setSpanContext(parent, { ...context, traceFlags });
      }
    }
    const made: Span[] = [];
    for (const r of spans) {
      const start: HrTime = clock.toEpoch(clock.nowNs());
      const context = r.parent >= 0 ? trace.setSpan(parent, made[r.parent] as Span) : parent;
      const span = tracer.startSpan(r.name, { kind: r.kind, startTime: start }, context);
      for (const [key, value] of r.attributes) span.setAttribute(key, value);
      for (const name of r.events) span.addEvent(name, clock.toEpoch(clock.nowNs()));
      if (r.status) span.setStatus(r.status);
      made.push(span);
    }
    const end = clock.toEpoch(clock.nowNs());
    for (let i = made.length - 1; i >= 0; i--) (made[i] as Span).end(end);
  };
}
