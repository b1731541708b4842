/**
 * What every example case gets: the run mode, compare options wired to the
 * progress bar, the built probes, and an OpenTelemetry SDK pipeline that
 * discards spans (the SDK's own cost, no I/O).
 */
import { readFile } from "node:fs/promises";
import type { TracerProvider } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  NoopSpanProcessor,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { compareOptions } from "../host/cli/bench/cases.js";
import type { CompareOptions } from "../host/cli/bench/harness.js";

/** Accepts and forgets spans, counting them: the exporter is not what we measure. */
export class DiscardExporter implements SpanExporter {
  count = 0;
  export(spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    this.count += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

export function sdkPipeline(): { provider: TracerProvider; exporter: DiscardExporter } {
  const exporter = new DiscardExporter();
  return { provider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }), exporter };
}

/**
 * Other pipelines, to show how the ratio depends on what a span costs:
 * "batch" is the production setup (BatchSpanProcessor, queue large enough that
 * nothing is dropped between two yields); "memory" keeps every span in an
 * InMemorySpanExporter (cleared once it holds 10,000), as the design notes'
 * ~8 us figure did; "noop" is a real SDK (sampler, ids, span objects) whose
 * processor drops every span: what recording costs with nothing exported.
 */
export function otherPipeline(kind: "batch" | "memory" | "noop"): {
  provider: TracerProvider;
  /** Call between batches: bounds what the pipeline keeps. */
  tidy: () => void;
} {
  if (kind === "batch") {
    const processor = new BatchSpanProcessor(new DiscardExporter(), {
      maxQueueSize: 1 << 20,
      maxExportBatchSize: 512,
      scheduledDelayMillis: 1,
    });
    return { provider: new BasicTracerProvider({ spanProcessors: [processor] }), tidy: () => {} };
  }
  if (kind === "noop") {
    return { provider: new BasicTracerProvider({ spanProcessors: [new NoopSpanProcessor()] }), tidy: () => {} };
  }
  const exporter = new InMemorySpanExporter();
  return {
    provider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    tidy: () => {
      if (exporter.getFinishedSpans().length > 10_000) exporter.reset();
    },
  };
}

export interface BenchContext {
  readonly quick: boolean;
  /** Compare options for comparison `step` of `steps` in the current case, reporting progress. */
  compare(step?: number, steps?: number): CompareOptions;
  /** Report progress inside the current case (0..1). */
  progress(fraction: number): void;
}

export function makeContext(quick: boolean, report: (fraction: number) => void): BenchContext {
  return {
    quick,
    compare: (step = 0, steps = 1) => compareOptions(quick, (done, total) => report((step + done / total) / steps)),
    progress: report,
  };
}

/** A probe built by `npm run build:probes`. */
export async function builtProbe(group: string, name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(`build/probes/${group}/${name}.wasm`));
}
