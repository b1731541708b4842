/**
 * `sandprobe bench BUNDLE`: cases 2 to 6 of the benchmark for a user's own
 * signed bundle, verified first with the trust policy given.
 */
import { type TracerProvider, trace } from "@opentelemetry/api";
import { verifyBundle } from "../../trust/bundle/verify.js";
import type { TrustPolicy } from "../../trust/policy.js";
import { bundlePhases, coldStart, compareOptions, hookCostRows, memoryPerInstance, type NamedProbe } from "./cases.js";
import { machine } from "./harness.js";
import { meteringRows } from "./metering.js";
import { type BenchReport, type CaseResult, formatValue, type Row } from "./report.js";

export interface BundleBenchOptions {
  readonly policy: TrustPolicy;
  /** A few rounds only: checks that everything runs, numbers are rough. */
  readonly quick?: boolean;
  readonly onProgress?: (step: string, fraction: number) => void;
}

/** An OpenTelemetry SDK pipeline that discards spans, when the SDK is installed (it is the user's choice). */
export async function sdkProvider(): Promise<TracerProvider | undefined> {
  try {
    const sdk = await import("@opentelemetry/sdk-trace-base");
    const exporter = {
      export: (_spans: unknown[], done: (result: { code: 0 }) => void) => done({ code: 0 }),
      shutdown: async () => {},
    };
    return new sdk.BasicTracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor(exporter as never)] });
  } catch {
    return undefined;
  }
}

const MEMORY_INSTANCES = { quick: 20, full: 200 };

export async function benchBundle(bundle: Uint8Array, options: BundleBenchOptions): Promise<BenchReport> {
  const started = new Date();
  const t0 = performance.now();
  const quick = options.quick ?? false;
  const progress = options.onProgress ?? (() => {});
  const verified = await verifyBundle(bundle, options.policy);
  const probes: NamedProbe[] = verified.probes.map((p) => ({ name: p.manifest.name, bytes: p.bytes }));
  const steps = 5;
  let step = 0;
  const opts = (title: string) =>
    compareOptions(quick, (done, total) => progress(title, (step + done / total) / steps));
  const cases: CaseResult[] = [];

  progress("hooks, no-op tracer", step / steps);
  cases.push({
    id: "hook-noop",
    number: 2,
    title: "Probe hooks with a no-op tracer (the sandbox's cost) vs the same spans in JavaScript",
    rows: await hookCostRows(probes, trace.getTracerProvider(), opts("hooks, no-op tracer")),
    notes: [
      "The global @opentelemetry/api provider (no-op unless an SDK is registered): what remains is the runtime, the probe's own work and the import calls.",
    ],
  });
  step++;

  progress("hooks with the OpenTelemetry SDK", step / steps);
  const sdk = await sdkProvider();
  cases.push(
    sdk
      ? {
          id: "hook-span",
          number: 3,
          title: "Probe hooks forwarding spans through the OpenTelemetry SDK vs the same spans in JavaScript",
          rows: await hookCostRows(probes, sdk, opts("hooks with the OpenTelemetry SDK")),
          notes: ["BasicTracerProvider + SimpleSpanProcessor + an exporter that discards: the SDK's own cost, no I/O."],
        }
      : {
          id: "hook-span",
          number: 3,
          title: "Probe hooks forwarding spans through the OpenTelemetry SDK",
          rows: [],
          skipped: "@opentelemetry/sdk-trace-base is not installed (npm install it to run this case)",
        },
  );
  step++;

  progress("fuel metering on vs off", step / steps);
  const metering: Row[] = [];
  for (const p of probes) metering.push(...(await meteringRows(p.name, p.bytes, opts("fuel metering on vs off"))));
  cases.push({
    id: "metering",
    number: 4,
    title: "Fuel metering on vs off (guest code only: stub imports)",
    rows: metering,
  });
  step++;

  progress("cold start", step / steps);
  const phases = await bundlePhases(bundle, options.policy);
  const cold = await coldStart(`bundle ${verified.name} ${verified.version}`, phases, quick ? 3 : 20);
  cases.push({
    id: "cold-start",
    number: 5,
    title: "Cold start: verify + instrument + compile + instantiate",
    rows: [cold.row],
    breakdowns: [cold.breakdown],
  });
  step++;

  progress("memory per instance", step / steps);
  const memory: Row[] = [];
  for (const p of probes) {
    const m = await memoryPerInstance(p.bytes, quick ? MEMORY_INSTANCES.quick : MEMORY_INSTANCES.full);
    memory.push({
      label: `${p.name}: bytes per instance`,
      value: m.perInstance,
      unit: "bytes",
      detail: `JS heap ${formatValue(m.heapPerInstance, "bytes")} + linear memory ${formatValue(
        m.linearPerInstance,
        "bytes",
      )}; resident ${formatValue(m.rssPerInstance, "bytes")}; ${m.fitIn128MiB.toLocaleString("en-US")} fit in 128 MiB`,
    });
  }
  cases.push({ id: "memory", number: 6, title: "Memory per probe instance", rows: memory });
  progress("done", 1);

  return {
    schema: 1,
    subject: `bundle ${verified.name} ${verified.version} (${probes.length} probes)`,
    mode: quick ? "quick" : "full",
    started: started.toISOString(),
    durationMs: performance.now() - t0,
    machine: await machine(),
    notes: [],
    cases,
  };
}
