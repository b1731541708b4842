/**
 * Probes in other languages (issue 15): the C latency probe (UTF-8 strings,
 * probes/c/) against the AssemblyScript one (UTF-16), both core modules on
 * the fast path, and the C probe as a UTF-8 component against the
 * AssemblyScript component: same request, same SDK pipeline, one span each.
 */
import { readFile } from "node:fs/promises";
import { BENCH_RUNTIME, benchRequest, runRequest } from "../../host/cli/bench/cases.js";
import { compare } from "../../host/cli/bench/harness.js";
import { type CaseResult, comparisonRow } from "../../host/cli/bench/report.js";
import { performanceClock } from "../../host/clock/clock.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { type BenchContext, sdkPipeline } from "../context.js";

async function runtimeFor(path: string): Promise<ProbeRuntime> {
  const runtime = new ProbeRuntime({
    tracerProvider: sdkPipeline().provider,
    clock: performanceClock(),
    ...BENCH_RUNTIME,
  });
  await runtime.load(new Uint8Array(await readFile(path)));
  return runtime;
}

export async function languagesCase(ctx: BenchContext): Promise<CaseResult> {
  const info = benchRequest();
  const c = await runtimeFor("build/probes/c/latency.wasm");
  const as = await runtimeFor("build/probes/examples/latency.wasm");
  const cComponent = await runtimeFor("build/components/c/latency.wasm");
  const asComponent = await runtimeFor("build/components/examples/latency.wasm");
  const requests = (runtime: ProbeRuntime) => (n: number) => {
    for (let i = 0; i < n; i++) runRequest(runtime, info, 200);
  };
  const core = await compare(
    { name: "C latency probe (UTF-8), 1 span", run: requests(c) },
    { name: "AssemblyScript latency probe (UTF-16)", run: requests(as) },
    ctx.compare(0, 1),
  );
  const components = await compare(
    { name: "C latency component (canon utf8), fast path", run: requests(cComponent) },
    { name: "AssemblyScript latency component (utf16)", run: requests(asComponent) },
    ctx.compare(0, 1),
  );
  const sizes = await Promise.all(
    ["build/probes/c/latency.wasm", "build/probes/examples/latency.wasm"].map(async (p) => (await readFile(p)).length),
  );
  const failures = [c, as, cComponent, asComponent].reduce((n, r) => n + (r.stats().latency?.failures ?? 0), 0);
  return {
    id: "languages",
    number: 13,
    title: "Languages: the C latency probe (UTF-8) vs the AssemblyScript one (UTF-16), same span",
    rows: [
      comparisonRow(core, core.name, "the same span through C and AssemblyScript probes"),
      comparisonRow(components, components.name, "both as components on the fast path"),
    ],
    notes: [
      `Probe size: C ${sizes[0]} bytes, AssemblyScript ${sizes[1]} bytes (unsigned, manifest included).`,
      "The ratio column is C / AssemblyScript: below 1 the C probe costs less per span.",
      ...(failures > 0 ? [`WARNING: ${failures} probe failures during the run`] : []),
    ],
  };
}
