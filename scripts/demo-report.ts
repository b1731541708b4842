/** Render finished spans as one readable tree per trace, for the demo. */
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

const KIND = ["internal", "server", "client", "producer", "consumer"];

function durationMs(span: ReadableSpan): string {
  const [s, ns] = span.duration;
  return `${(s * 1e3 + ns / 1e6).toFixed(3)} ms`;
}

function describe(span: ReadableSpan): string {
  const scope = span.instrumentationScope;
  const attrs = Object.entries(span.attributes)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(" ");
  const status = span.status.code === SpanStatusCode.ERROR ? ` ERROR(${span.status.message ?? ""})` : "";
  const events = span.events.length ? ` events=[${span.events.map((e) => e.name).join(",")}]` : "";
  const kind = span.kind === SpanKind.INTERNAL ? "" : ` ${KIND[span.kind]}`;
  return `${span.name}${kind} [${scope.name}@${scope.version ?? "-"}] ${durationMs(span)}${status}${events}${attrs ? `  ${attrs}` : ""}`;
}

/** Lines of a tree for one trace; spans whose parent is not here hang under "(remote parent ...)". */
export function traceTree(spans: readonly ReadableSpan[]): string[] {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const children = new Map<string, ReadableSpan[]>();
  const roots: ReadableSpan[] = [];
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    if (parent && ids.has(parent)) {
      const list = children.get(parent) ?? [];
      list.push(span);
      children.set(parent, list);
    } else {
      roots.push(span);
    }
  }
  const lines: string[] = [];
  const walk = (span: ReadableSpan, depth: number) => {
    lines.push(`${"  ".repeat(depth)}└─ ${describe(span)}`);
    const kids = (children.get(span.spanContext().spanId) ?? []).sort((a, b) => a.startTime[1] - b.startTime[1]);
    for (const kid of kids) walk(kid, depth + 1);
  };
  for (const root of roots) {
    const parent = root.parentSpanContext;
    if (parent) lines.push(`(remote parent ${parent.spanId})`);
    walk(root, parent ? 1 : 0);
  }
  return lines;
}
