import { type Context, type HrTime, type Span, type SpanKind, type Tracer, trace } from "@opentelemetry/api";

/**
 * The spans one probe has open in one request. A handle is the number of
 * spans started before it plus one, so handles are small, start at 1 in
 * every request and 0 never names a span.
 *
 * One table is made per probe per request, and most start at most one span:
 * handle 1 lives in fields, and the lists for handles 2 and up are only
 * allocated when a second span starts.
 */
export class SpanTable {
  /** Handle 1 (undefined before it starts and after it ends). */
  private first: Span | undefined;
  /** Attributes set so far on handle 1. */
  private firstAttributes = 0;
  /** Handles 2 and up, at index handle - 2. */
  private more: (Span | undefined)[] | undefined;
  private moreAttributes: number[] | undefined;
  private open = 0;
  /** Spans started so far: the last handle handed out. */
  private count = 0;

  /** Spans started in this table (including ones already ended). */
  get started(): number {
    return this.count;
  }

  /** Spans started and not yet ended. */
  get openSpans(): number {
    return this.open;
  }

  start(tracer: Tracer, name: string, kind: SpanKind, startTime: HrTime, parent: Context): number {
    return this.add(tracer.startSpan(name, { kind, startTime }, parent));
  }

  /** Take a span started elsewhere (noop-spans.ts); returns its handle. */
  add(span: Span): number {
    const handle = this.count + 1;
    if (handle === 1) this.first = span;
    else if (this.more === undefined || this.moreAttributes === undefined) {
      this.more = [span];
      this.moreAttributes = [0];
    } else {
      this.more.push(span);
      this.moreAttributes.push(0);
    }
    this.open++;
    this.count = handle;
    return handle;
  }

  /** The open span behind a handle, or undefined for 0, unknown or ended handles. */
  get(handle: number): Span | undefined {
    return handle === 1 ? this.first : handle > 1 ? this.more?.[handle - 2] : undefined;
  }

  /** Count one more attribute on a span; false once it has `limit` already. */
  takeAttribute(handle: number, limit: number): boolean {
    if (handle === 1) {
      if (this.firstAttributes >= limit || this.count === 0) return false;
      this.firstAttributes++;
      return true;
    }
    const attributes = this.moreAttributes;
    const count = handle > 1 ? (attributes?.[handle - 2] ?? limit) : limit;
    if (count >= limit || attributes === undefined) return false;
    attributes[handle - 2] = count + 1;
    return true;
  }

  /** The context of the span behind a handle, for starting a child. */
  contextOf(handle: number, base: Context): Context | undefined {
    const span = this.get(handle);
    return span ? trace.setSpan(base, span) : undefined;
  }

  /** `endTime` may be left out only for a span that does not record (it ignores it). */
  end(handle: number, endTime: HrTime | undefined): boolean {
    const span = this.get(handle);
    if (span === undefined) return false;
    span.end(endTime);
    // Forget the span; the handle is never reused.
    if (handle === 1) this.first = undefined;
    else (this.more as (Span | undefined)[])[handle - 2] = undefined;
    this.open--;
    return true;
  }

  /** End every span the probe left open; returns how many there were. */
  endAll(endTime: HrTime): number {
    const left = this.open;
    if (left === 0) return 0;
    if (this.first !== undefined) {
      endUnended(this.first, endTime);
      this.first = undefined;
    }
    const more = this.more;
    if (more !== undefined) {
      for (let i = 0; i < more.length; i++) {
        const span = more[i];
        if (span) {
          endUnended(span, endTime);
          more[i] = undefined;
        }
      }
    }
    this.open = 0;
    return left;
  }
}

/** A span the probe left open, ended by the host and marked as such. */
function endUnended(span: Span, endTime: HrTime): void {
  span.setAttribute("sandprobe.span.unended", true);
  span.end(endTime);
}
