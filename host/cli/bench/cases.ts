/**
 * Benchmark cases that work for any set of probes: the examples (`npm run
 * bench`) and a user's bundle (`sandprobe bench BUNDLE`).
 *
 * - hook cost: each probe's request + response hooks through the runtime,
 *   against the spans it emitted made directly with @opentelemetry/api;
 * - cold start: verify + instrument + compile + instantiate, phase by phase;
 * - memory: bytes per instance, and how many fit in 128 MiB.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { type Context, ROOT_CONTEXT, type TracerProvider, trace } from "@opentelemetry/api";
import { performanceClock } from "../../clock/clock.js";
import { sandboxedProbeBytes } from "../../load/prepare.js";
import type { LoadedProbe } from "../../runtime/probe.js";
import { ProbeRuntime } from "../../runtime/runtime.js";
import { type RequestInfo, RequestScope } from "../../runtime/scope.js";
import { verifyBundle } from "../../trust/bundle/verify.js";
import type { TrustPolicy } from "../../trust/policy.js";
import { verifyProbe } from "../../trust/verify-probe.js";
import { concatBytes, encodeCustomSection, encodeU32 } from "../../wasm/encode.js";
import { type CompareOptions, compare, sample } from "./harness.js";
import { RecordingTracer, replayer } from "./replay.js";
import { type Breakdown, comparisonRow, type Row } from "./report.js";

/** How long to measure: `quick` is a smoke run (a few rounds), for CI. */
export function compareOptions(quick: boolean, onRound?: CompareOptions["onRound"]): CompareOptions {
  const base = quick
    ? { rounds: 3, warmupRounds: 1, batches: 2, batchMs: 0.5 }
    : { rounds: 30, warmupRounds: 5, batches: 5, batchMs: 2 };
  return onRound ? { ...base, onRound } : base;
}

/**
 * Limits for benchmark runtimes: the per-probe span and log windows (20,000
 * spans/s by default) would drop most spans of a tight loop, and a dropped
 * span costs far less than a forwarded one. Everything else stays default.
 */
export const BENCH_LIMITS = { spansPerWindow: Number.MAX_SAFE_INTEGER, logUnitsPerWindow: Number.MAX_SAFE_INTEGER };

/**
 * Options of every runtime that measures the hot path: the bench limits,
 * and probes loaded as given (fixtures built from source, or a bundle
 * `sandprobe bench` verified already). What verification costs is measured
 * on its own, by the cold-start cases through TrustedLoader.
 */
export const BENCH_RUNTIME = { limits: BENCH_LIMITS, insecureAllowUnsigned: true, onWarning: () => {} } as const;

/** The incoming request every case uses: a sampled W3C parent, GET /users/:id. */
export const BENCH_PARENT: Context = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  traceFlags: 1,
  isRemote: true,
});

const HEADERS = { get: (name: string) => (name === "user-agent" ? "sandprobe-bench/1.0" : undefined) };

export function benchRequest(route = "/users/:id"): RequestInfo {
  return { method: "GET", route, headers: HEADERS, parent: BENCH_PARENT };
}

/**
 * What went wrong during a run, for a row's detail: probe failures and
 * dropped spans or attributes make a measurement cheaper than the real thing,
 * so a row that had any says so.
 */
export function runtimeTrouble(runtime: ProbeRuntime): string {
  const out: string[] = [];
  for (const [name, s] of Object.entries(runtime.stats())) {
    if (s.failures > 0) out.push(`${name}: ${s.failures} failures (${s.lastError ?? "?"})`);
    const drops = Object.entries(s.drops).filter(([, n]) => (n ?? 0) > 0);
    if (drops.length > 0) out.push(`${name} dropped ${drops.map(([why, n]) => `${n} ${why}`).join(", ")}`);
  }
  return out.length > 0 ? `WARNING: ${out.join("; ")}` : "";
}

/** One request through the runtime: begin, request hooks, response hooks, end. */
export function runRequest(runtime: ProbeRuntime, info: RequestInfo, status: number): void {
  const scope = runtime.begin(info);
  scope.request();
  scope.response(status);
  scope.end();
}

export interface NamedProbe {
  readonly name: string;
  /** The probe as the runtime loads it (a core module). */
  readonly bytes: Uint8Array;
}

/**
 * Each probe's hooks (and all of them together) against the same spans made
 * directly through `provider`, in one process. The baseline is recorded from
 * what the probe emitted for the same request, then replayed.
 */
export async function hookCostRows(
  probes: readonly NamedProbe[],
  provider: TracerProvider,
  options: CompareOptions,
  status = 200,
): Promise<Row[]> {
  const clock = performanceClock();
  const info = benchRequest();
  const rows: Row[] = [];
  const sets = probes.length > 1 ? [...probes.map((p) => [p]), probes] : probes.map((p) => [p]);
  for (const set of sets) {
    const recorder = new RecordingTracer();
    const recording = new ProbeRuntime({ tracerProvider: recorder, clock, ...BENCH_RUNTIME });
    await recording.replaceAll(set.map((p) => p.bytes));
    const scope = recording.begin(info);
    scope.request();
    scope.response(status);
    scope.end();
    const replay = replayer(recorder.spans, clock, scope.sampled);
    const runtime = new ProbeRuntime({ tracerProvider: provider, clock, ...BENCH_RUNTIME });
    await runtime.replaceAll(set.map((p) => p.bytes));
    const tracer = provider.getTracer("sandprobe-bench-baseline", "1.0.0");
    const label = set.length === 1 ? `${(set[0] as NamedProbe).name}: request + response hooks` : "all probes together";
    const comparison = await compare(
      {
        name: label,
        run: (n) => {
          for (let i = 0; i < n; i++) runRequest(runtime, info, status);
        },
      },
      {
        name: `the same ${recorder.spans.length} span(s)${scope.sampled === undefined ? "" : " and sampling decision"} in JavaScript`,
        run: (n) => {
          for (let i = 0; i < n; i++) replay(tracer, BENCH_PARENT);
        },
      },
      options,
    );
    const trouble = runtimeTrouble(runtime);
    rows.push(
      comparisonRow(comparison, label, `${recorder.spans.length} span(s) per request${trouble ? `; ${trouble}` : ""}`),
    );
  }
  return rows;
}

/** A copy of `bytes` V8 has never compiled: a custom section with a fresh number (no effect on code). */
export function withNonce(bytes: Uint8Array, nonce: number): Uint8Array {
  return concatBytes([bytes, encodeCustomSection("bench-nonce", Uint8Array.from(encodeU32(nonce >>> 0)))]);
}

let nonces = Math.floor(Math.random() * 1e6);

export interface ColdStartPhases {
  /** Signature(s), signers, manifest and grants (the trust API). */
  readonly verify: (run: number) => Promise<unknown>;
  /** The probes as the runtime loads them (core modules, signed). */
  readonly probes: readonly Uint8Array[];
}

const PHASES = ["verify (signature + manifest)", "instrument (limits + fuel)", "compile", "admit + instantiate + init"];

/**
 * One cold start per run, phase by phase, every run on bytes V8 has never
 * compiled: verify, instrument (sandboxedProbeBytes: admit, memory caps,
 * fuel metering), compile the instrumented modules, then admit + instantiate + init in a
 * fresh runtime. The runtime's own load path (bytes in) does the same
 * steps; here each is timed on its own. Returns the median of each phase and
 * of the total.
 */
export async function coldStart(
  label: string,
  phases: ColdStartPhases,
  runs: number,
): Promise<{ row: Row; breakdown: Breakdown }> {
  const times: number[][] = PHASES.map(() => []);
  const totals: number[] = [];
  await sample(runs, async () => {
    const t0 = performance.now();
    await phases.verify(0);
    const t1 = performance.now();
    const sandboxed = phases.probes.map((p) => sandboxedProbeBytes(p));
    const t2 = performance.now();
    const nonce = nonces++;
    const modules = await Promise.all(
      sandboxed.map((b) => WebAssembly.compile(withNonce(b, nonce) as Uint8Array<ArrayBuffer>)),
    );
    const t3 = performance.now();
    await new ProbeRuntime(BENCH_RUNTIME).replaceAll(
      phases.probes.map((probe, i) => ({ probe, module: modules[i] as WebAssembly.Module })),
    );
    const t4 = performance.now();
    const parts = [t1 - t0, t2 - t1, t3 - t2, t4 - t3].map((ms) => ms * 1e6);
    parts.forEach((ns, i) => {
      times[i]?.push(ns);
    });
    totals.push(parts.reduce((a, b) => a + b, 0));
  });
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;
  const p99 = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.round(values.length * 0.99))] ?? Number.NaN;
  const bytes = phases.probes.reduce((sum, p) => sum + p.length, 0);
  return {
    row: {
      label,
      value: median(totals),
      unit: "ns",
      p99: p99(totals),
      detail: `${phases.probes.length} probe(s), ${bytes.toLocaleString("en-US")} bytes; ${runs} runs`,
    },
    breakdown: { label, unit: "ns", parts: PHASES.map((name, i) => ({ name, value: median(times[i] ?? []) })) },
  };
}

/** Cold-start phases for one signed probe under a trust policy. */
export function probePhases(signed: Uint8Array, policy: TrustPolicy): ColdStartPhases {
  return { verify: () => verifyProbe(signed, policy), probes: [signed] };
}

/** Cold-start phases for a signed bundle under a trust policy (its probes loaded as they are carried). */
export async function bundlePhases(bundle: Uint8Array, policy: TrustPolicy): Promise<ColdStartPhases> {
  const verified = await verifyBundle(bundle, policy);
  return { verify: () => verifyBundle(bundle, policy), probes: verified.probes.map((p) => p.bytes) };
}

/** `global.gc`, without needing `node --expose-gc`. */
function collector(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

export interface MemoryResult {
  /** Bytes per instance: JS heap + linear memory (V8 counts wasm memory as "external"). */
  readonly perInstance: number;
  readonly heapPerInstance: number;
  readonly linearPerInstance: number;
  /** Resident set growth per instance (pages the probe never touched are not resident). */
  readonly rssPerInstance: number;
  readonly fitIn128MiB: number;
}

/**
 * Instantiate `count` instances of one probe (one module, as a host running
 * many workers or tenants would), run a few requests through each so its
 * memory reaches steady state, then divide the growth of the JS heap and of
 * external memory (wasm linear memory) by `count`.
 */
export async function memoryPerInstance(bytes: Uint8Array, count: number): Promise<MemoryResult> {
  const gc = collector();
  const module = await WebAssembly.compile(sandboxedProbeBytes(bytes) as Uint8Array<ArrayBuffer>);
  const runtime = new ProbeRuntime({ tracerProvider: trace.getTracerProvider(), ...BENCH_RUNTIME });
  const clock = performanceClock();
  const info = benchRequest();
  const kept: LoadedProbe[] = [];
  gc();
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < count; i++) {
    const [probe] = await runtime.prepare([{ probe: bytes, module }]);
    kept.push(probe as LoadedProbe);
    for (let r = 0; r < 20; r++) {
      const scope = new RequestScope(kept.slice(-1), info, clock);
      scope.request();
      scope.response(200);
      scope.end();
    }
  }
  gc();
  gc();
  const after = process.memoryUsage();
  const heap = (after.heapUsed - before.heapUsed) / count;
  const linear = (after.external - before.external) / count;
  const perInstance = heap + linear;
  const result = {
    perInstance,
    heapPerInstance: heap,
    linearPerInstance: linear,
    rssPerInstance: (after.rss - before.rss) / count,
    fitIn128MiB: Math.floor((128 * 2 ** 20) / perInstance),
  };
  kept.length = 0;
  return result;
}
