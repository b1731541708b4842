import { type Context, type HrTime, type Span, type SpanKind, type Tracer, trace } from "@opentelemetry/api";

/**
 * The spans one probe has open in one request. A handle is the index + 1, so
 * handles are small, start at 1 in every request and 0 never names a span.
 *
 * One table is made per probe per request, most of them for hooks that start
 * no span: the lists are only allocated when the first span starts.
 */
export class SpanTable {
  private spans: (Span | undefined)[] | undefined;
  /** Attributes set so far, per handle. */
  private attributes: number[] | undefined;
  private open = 0;
  /** Spans started in this table (including ones already ended). */
  started = 0;

  /** Spans started and not yet ended. */
  get openSpans(): number {
    return this.open;
  }

  start(tracer: Tracer, name: string, kind: SpanKind, startTime: HrTime, parent: Context): number {
    const span = tracer.startSpan(name, { kind, startTime }, parent);
    if (this.spans === undefined || this.attributes === undefined) {
      this.spans = [span];
      this.attributes = [0];
    } else {
      this.spans.push(span);
      this.attributes.push(0);
    }
    this.open++;
    this.started++;
    return this.spans.length;
  }

  /** The open span behind a handle, or undefined for 0, unknown or ended handles. */
  get(handle: number): Span | undefined {
    return this.spans?.[handle - 1];
  }

  /** Count one more attribute on a span; false once it has `limit` already. */
  takeAttribute(handle: number, limit: number): boolean {
    const attributes = this.attributes;
    const count = attributes?.[handle - 1] ?? limit;
    if (count >= limit || attributes === undefined) return false;
    attributes[handle - 1] = count + 1;
    return true;
  }

  /** The context of the span behind a handle, for starting a child. */
  contextOf(handle: number, base: Context): Context | undefined {
    const span = this.get(handle);
    return span ? trace.setSpan(base, span) : undefined;
  }

  /** `endTime` may be left out only for a span that does not record (it ignores it). */
  end(handle: number, endTime: HrTime | undefined): boolean {
    const spans = this.spans;
    const span = spans?.[handle - 1];
    if (spans === undefined || span === undefined) return false;
    span.end(endTime);
    // Keep the slot (handles stay stable) but forget the span.
    spans[handle - 1] = undefined;
    this.open--;
    return true;
  }

  /** End every span the probe left open; returns how many there were. */
  endAll(endTime: HrTime): number {
    const left = this.open;
    const spans = this.spans;
    if (left === 0 || spans === undefined) return 0;
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i];
      if (span) {
        span.setAttribute("sandprobe.span.unended", true);
        span.end(endTime);
        spans[i] = undefined;
      }
    }
    this.open = 0;
    return left;
  }
}
