/**
 * Probes in other languages (issue 15): the C latency probe (UTF-8 strings,
 * probes/c/) against the AssemblyScript one (UTF-16), both core modules on
 * the fast path, and the C probe as a UTF-8 component against the
 * AssemblyScript component: same request, same SDK pipeline, one span each.
 * Then the JavaScript latency probe (componentize-js, probes/js/) on the fast
 * path against the same component on the jco path.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { BENCH_LIMITS, BENCH_RUNTIME, benchRequest, runRequest } from "../../host/cli/bench/cases.js";
import { compare } from "../../host/cli/bench/harness.js";
import { type CaseResult, comparisonRow } from "../../host/cli/bench/report.js";
import { performanceClock } from "../../host/clock/clock.js";
import { JcoProbe } from "../../host/runtime/jco-probe.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { transpileInMemory } from "../../test/support/jco.js";
import { type BenchContext, sdkPipeline } from "../context.js";

/** A JavaScript hook runs an interpreter (~2.3 M fuel per latency span): the 1 ms default budget is too small. */
const JS_FUEL_PER_HOOK = 10_000_000;
/** Requests run on each side before measuring: V8 tiers a 12 MB module up over the first few hundred calls. */
const JS_WARMUP_REQUESTS = 1500;

async function runtimeFor(path: string, fuelPerHook?: number): Promise<ProbeRuntime> {
  const runtime = new ProbeRuntime({
    tracerProvider: sdkPipeline().provider,
    clock: performanceClock(),
    ...BENCH_RUNTIME,
    ...(fuelPerHook ? { limits: { ...BENCH_LIMITS, fuelPerHook } } : {}),
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
  // Rust, when build:probes had a rustc for wasm32 (scripts/rustc.ts).
  const rustPath = "build/probes/rust/latency.wasm";
  const rust = existsSync(rustPath) ? await runtimeFor(rustPath) : undefined;
  const rustRow = rust
    ? await compare(
        { name: "Rust latency probe (UTF-8, no_std), 1 span", run: requests(rust) },
        { name: "AssemblyScript latency probe (UTF-16)", run: requests(as) },
        ctx.compare(0, 1),
      )
    : undefined;
  const js = await jsCase(ctx);
  const sizes = await Promise.all(
    ["build/probes/c/latency.wasm", "build/probes/examples/latency.wasm", ...(rust ? [rustPath] : [])].map(
      async (p) => (await readFile(p)).length,
    ),
  );
  const failures =
    [c, as, cComponent, asComponent, ...(rust ? [rust] : [])].reduce(
      (n, r) => n + (r.stats().latency?.failures ?? 0),
      0,
    ) + js.failures;
  return {
    id: "languages",
    number: 13,
    title:
      "Languages: C and Rust (UTF-8) vs AssemblyScript (UTF-16) latency probes, and JavaScript on the fast vs jco path",
    rows: [
      comparisonRow(core, core.name, "the same span through C and AssemblyScript probes"),
      comparisonRow(components, components.name, "both as components on the fast path"),
      ...(rustRow
        ? [comparisonRow(rustRow, rustRow.name, "the same span through Rust and AssemblyScript probes")]
        : []),
      comparisonRow(js.result, js.result.name, "the JavaScript component: fast path (metered) vs jco path"),
    ],
    notes: [
      `Probe size: C ${sizes[0]} bytes, AssemblyScript ${sizes[1]} bytes${rust ? `, Rust ${sizes[2]} bytes` : ""} (unsigned, manifest included).`,
      ...(rust ? [] : ["Rust: not measured, no rustc for wasm32 on this machine (scripts/rustc.ts)."]),
      "The ratio column is C (or Rust) / AssemblyScript: below 1 that probe costs less per span; for the JavaScript row, fast path / jco path.",
      ...js.notes,
      ...(failures > 0 ? [`WARNING: ${failures} probe failures during the run`] : []),
    ],
  };
}

/** The componentize-js latency component: the fast path against the jco path, after both warmed up. */
async function jsCase(ctx: BenchContext) {
  const path = "build/components/js/latency.wasm";
  const component = new Uint8Array(await readFile(path));
  const info = benchRequest();
  const loadStart = performance.now();
  const fast = await runtimeFor(path, JS_FUEL_PER_HOOK);
  const loadMs = performance.now() - loadStart;
  const transpileStart = performance.now();
  const transpiled = await transpileInMemory(component);
  const transpileMs = performance.now() - transpileStart;
  const jco = await JcoProbe.load(component, transpiled, {
    tracerProvider: sdkPipeline().provider,
    clock: performanceClock(),
    ...BENCH_RUNTIME,
  });
  const onJco = (n: number) => {
    for (let i = 0; i < n; i++) {
      const request = jco.begin(info);
      request.request();
      request.response(200);
      request.end();
    }
  };
  const onFast = (n: number) => {
    for (let i = 0; i < n; i++) runRequest(fast, info, 200);
  };
  const warmup = ctx.quick ? 50 : JS_WARMUP_REQUESTS;
  onFast(warmup);
  onJco(warmup);
  const result = await compare(
    { name: "JavaScript latency component (componentize-js, utf8), fast path", run: onFast },
    { name: "the same component on the jco path", run: onJco },
    ctx.compare(0, 1),
  );
  const fuel = fast.stats().latency?.fuel;
  return {
    result,
    failures: jco.stats.failures + (fast.stats().latency?.failures ?? 0),
    notes: [
      `JavaScript component: ${component.length} bytes; fast-path load (meter + compile + instantiate + init) ${loadMs.toFixed(0)} ms, jco transpile ${transpileMs.toFixed(0)} ms.`,
      `JavaScript fuel per response hook: p50 ${fuel?.p50 ?? 0}, p99 ${fuel?.p99 ?? 0} (host budget raised to ${JS_FUEL_PER_HOOK}; the default is 500 000).`,
    ],
  };
}
