/**
 * The jco path vs the fast path (issue 4): the same latency probe component,
 * once run by `jco transpile` with our lifted imports (JcoProbe) and once by
 * the runtime on its extracted core module, both exporting through the same
 * kind of SDK pipeline, one request each (request + response hooks, 1 span).
 */
import { readFile } from "node:fs/promises";
import { BENCH_RUNTIME, benchRequest, runRequest } from "../../host/cli/bench/cases.js";
import { compare } from "../../host/cli/bench/harness.js";
import { type CaseResult, comparisonRow } from "../../host/cli/bench/report.js";
import { performanceClock } from "../../host/clock/clock.js";
import { JcoProbe } from "../../host/runtime/jco-probe.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { transpileInMemory } from "../../test/support/jco.js";
import { type BenchContext, sdkPipeline } from "../context.js";

export async function jcoCase(ctx: BenchContext): Promise<CaseResult> {
  const component = new Uint8Array(await readFile("build/components/examples/latency.wasm"));
  const clock = performanceClock();
  const info = benchRequest();
  const fast = new ProbeRuntime({ tracerProvider: sdkPipeline().provider, clock, ...BENCH_RUNTIME });
  await fast.load(component);
  const transpileStart = performance.now();
  const transpiled = await transpileInMemory(component);
  const transpileMs = performance.now() - transpileStart;
  const jco = await JcoProbe.load(component, transpiled, {
    tracerProvider: sdkPipeline().provider,
    clock,
    ...BENCH_RUNTIME,
  });
  const result = await compare(
    {
      name: "jco path: latency component, 1 request",
      run: (n) => {
        for (let i = 0; i < n; i++) {
          const request = jco.begin(info);
          request.request();
          request.response(200);
          request.end();
        }
      },
    },
    {
      name: "fast path: the same component",
      run: (n) => {
        for (let i = 0; i < n; i++) runRequest(fast, info, 200);
      },
    },
    ctx.compare(0, 1),
  );
  const failures = jco.stats.failures + (fast.stats().latency?.failures ?? 0);
  return {
    id: "jco",
    number: 10,
    title: "Components: the jco path vs the fast path (same component, same SDK pipeline)",
    rows: [
      comparisonRow(
        result,
        result.name,
        "jco's generated lifting code around our lifted imports vs the runtime lowering the core module's imports itself",
      ),
    ],
    notes: [
      `jco transpile of the component took ${transpileMs.toFixed(0)} ms (once, at load).`,
      "The ratio column is jco / fast path. The jco path lifts every argument in generated JavaScript (strings copied and transcoded per call) and cannot be metered; the fast path lowers imports itself.",
      ...(failures > 0 ? [`WARNING: ${failures} probe failures during the run`] : []),
    ],
  };
}
