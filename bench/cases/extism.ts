/**
 * Case 8, a peer: the latency probe's logic as an Extism plugin
 * (@extism/extism 1.0.x, foreground, plugin built here from source with
 * @extism/as-pdk), per call, against sandprobe doing the same work.
 *
 * Extism's JS SDK fails after 16,383 calls unless `plugin.reset()` is called
 * (each call's input, and every block the plugin allocates, stays in its
 * memory until then). The bench resets every 16,000 calls inside the timed
 * loop, so the reset's cost is spread over the calls like in a real host;
 * the cost of one reset is reported on its own.
 */
import type { CallContext, Plugin } from "@extism/extism";
import { type Span, SpanKind, trace } from "@opentelemetry/api";
import asc from "assemblyscript/asc";
import { BENCH_LIMITS, BENCH_PARENT, benchRequest, runRequest } from "../../host/cli/bench/cases.js";
import { compare, sample } from "../../host/cli/bench/harness.js";
import { type CaseResult, comparisonRow, formatValue } from "../../host/cli/bench/report.js";
import { performanceClock } from "../../host/clock/clock.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { type BenchContext, builtProbe, sdkPipeline } from "../context.js";

const PLUGIN_SOURCE = "probes/bench/extism/latency-plugin.ts";
const RESET_EVERY = 16_000;

async function buildPlugin(): Promise<Uint8Array> {
  let binary: Uint8Array | undefined;
  let stderr = "";
  const { error } = await asc.main(
    [
      PLUGIN_SOURCE,
      "--config",
      "none",
      "--runtime",
      "incremental",
      "--optimizeLevel",
      "3",
      "--shrinkLevel",
      "1",
      "--noAssert",
      "--use",
      "abort=probes/bench/extism/latency-plugin/pluginAbort",
      "--outFile",
      "plugin.wasm",
    ],
    {
      writeFile(name: string, contents: Uint8Array | string) {
        if (name.endsWith(".wasm")) binary = contents as Uint8Array;
      },
      stderr: {
        write(text: string) {
          stderr += text;
          return true;
        },
      } as never,
    },
  );
  if (error || !binary) throw new Error(`asc failed for the Extism plugin:\n${stderr || String(error)}`);
  return binary;
}

/** An Extism plugin whose host functions forward spans to `provider`, like sandprobe's imports. */
async function plugin(wasm: Uint8Array, provider: ReturnType<typeof sdkPipeline>["provider"]): Promise<Plugin> {
  const tracer = provider.getTracer("extism-plugin", "1.0.0");
  const clock = performanceClock();
  const spans: (Span | undefined)[] = [];
  const text = (cp: CallContext, offset: bigint) => cp.read(offset)?.text() ?? "";
  // Imported here: the SDK loads node:wasi, which prints an experimental warning.
  const { default: createPlugin } = await import("@extism/extism");
  return createPlugin(
    { wasm: [{ data: wasm }] },
    {
      useWasi: false,
      runInWorker: false,
      functions: {
        "extism:host/user": {
          span_start: (cp: CallContext, name: bigint, start: bigint) => {
            spans.push(
              tracer.startSpan(
                text(cp, name),
                { kind: SpanKind.INTERNAL, startTime: clock.toEpoch(Number(start)) },
                BENCH_PARENT,
              ),
            );
            return BigInt(spans.length);
          },
          span_attr_str: (cp: CallContext, span: bigint, key: bigint, value: bigint) => {
            spans[Number(span) - 1]?.setAttribute(text(cp, key), text(cp, value));
          },
          span_attr_int: (cp: CallContext, span: bigint, key: bigint, value: bigint) => {
            spans[Number(span) - 1]?.setAttribute(text(cp, key), Number(value));
          },
          span_end: (_cp: CallContext, span: bigint) => {
            const at = Number(span) - 1;
            spans[at]?.end(clock.toEpoch(clock.nowNs()));
            spans[at] = undefined;
            if (at === spans.length - 1) spans.length = 0;
          },
        },
      },
    },
  );
}

export async function extismCase(ctx: BenchContext): Promise<CaseResult> {
  const sdk = sdkPipeline();
  const wasm = await buildPlugin();
  const extism = await plugin(wasm, sdk.provider);
  let calls = 0;
  /** One plugin call, resetting its memory before the 16,384th call would fail. */
  const call = async (fn: string, input?: string) => {
    if (++calls % RESET_EVERY === 0) await extism.reset();
    await extism.call(fn, input);
  };
  const clock = performanceClock();
  const info = benchRequest();
  const latencyRuntime = new ProbeRuntime({ tracerProvider: sdk.provider, clock, limits: BENCH_LIMITS });
  await latencyRuntime.load(await builtProbe("examples", "latency"));
  const emptyRuntime = new ProbeRuntime({ tracerProvider: trace.getTracerProvider(), clock, limits: BENCH_LIMITS });
  await emptyRuntime.load(await builtProbe("bench", "empty"));
  const emptyScope = emptyRuntime.begin(info);

  const empty = await compare(
    {
      name: "Extism: empty plugin call",
      run: async (n) => {
        for (let i = 0; i < n; i++) await call("noop");
      },
    },
    {
      name: "sandprobe: empty hook call",
      run: (n) => {
        for (let i = 0; i < n; i++) emptyScope.response(200);
      },
    },
    ctx.compare(0, 2),
  );
  const latency = await compare(
    {
      name: "Extism: latency logic + 1 span",
      run: async (n) => {
        for (let i = 0; i < n; i++) await call("latency", `GET\n/users/:id\n200\n${clock.nowNs()}`);
      },
    },
    {
      name: "sandprobe: latency probe + 1 span",
      run: (n) => {
        for (let i = 0; i < n; i++) runRequest(latencyRuntime, info, 200);
      },
    },
    ctx.compare(1, 2),
  );
  const reset = await sample(ctx.quick ? 3 : 20, () => extism.reset());
  await extism.close();
  const goal = Math.min(empty.ratio, latency.ratio);
  return {
    id: "extism",
    number: 8,
    title: "A peer: the same logic as an Extism plugin (@extism/extism 1.0.3, foreground)",
    rows: [
      comparisonRow(empty, empty.name, "plugin.call() of an export that returns 0"),
      comparisonRow(latency, latency.name, "input: method, route, status, received-at; spans through host functions"),
      { label: "Extism: one plugin.reset()", value: reset.medianNs, unit: "ns", p99: reset.p99Ns },
    ],
    goals: [
      {
        goal: "at least 20x cheaper per call than an Extism plugin call doing the same work",
        measured: `empty: ${empty.ratio.toFixed(0)}x, latency + span: ${latency.ratio.toFixed(1)}x cheaper`,
        met: goal >= 20,
      },
    ],
    notes: [
      `Ratios here are Extism / sandprobe. Extism fails after 16,383 calls without reset(): the bench calls reset() every ${RESET_EVERY.toLocaleString("en-US")} calls inside the timed loops (${calls.toLocaleString("en-US")} calls in all), so its cost (${formatValue(reset.medianNs, "ns")} each) is amortized as a real host would pay it.`,
      "Both sides forward their span to the same OpenTelemetry SDK pipeline; Extism runs in the foreground (no worker: no timeouts or memory limits).",
    ],
  };
}
