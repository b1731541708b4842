/** Case 2: a hook that does nothing, through the runtime, vs the bare calls. */
import { trace } from "@opentelemetry/api";
import { BENCH_RUNTIME, benchRequest } from "../../host/cli/bench/cases.js";
import { compare } from "../../host/cli/bench/harness.js";
import { stubImports } from "../../host/cli/bench/metering.js";
import { type CaseResult, comparisonRow, formatValue } from "../../host/cli/bench/report.js";
import { START_EXPORT } from "../../host/load/index.js";
import { sandboxedProbeBytes } from "../../host/load/prepare.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { DEFAULT_LIMITS } from "../../host/world/limits.js";
import { type BenchContext, builtProbe } from "../context.js";

type Hook = () => void;
type Metered = (budget: number) => number;

export async function emptyHookCase(ctx: BenchContext): Promise<CaseResult> {
  const bytes = await builtProbe("bench", "empty");
  const runtime = new ProbeRuntime({ tracerProvider: trace.getTracerProvider(), ...BENCH_RUNTIME });
  await runtime.load(bytes);
  // The same module instantiated bare: what a hook call cannot be cheaper than.
  const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, {
    "sandprobe:probe/log@0.1.0": { abort: () => {}, log: () => {} },
  });
  const request = instance.exports.request as Hook;
  const response = instance.exports.response as Hook;
  // And as the runtime runs it: limited and metered, the hook taking its fuel budget.
  const sandboxed = sandboxedProbeBytes(bytes);
  const metered = await WebAssembly.instantiate(sandboxed as Uint8Array<ArrayBuffer>, stubImports(sandboxed));
  (metered.instance.exports[START_EXPORT] as Metered | undefined)?.(DEFAULT_LIMITS.fuelForInit);
  const meteredResponse = metered.instance.exports.response as Metered;
  const budget = DEFAULT_LIMITS.fuelPerHook;
  const info = benchRequest();
  const scope = runtime.begin(info);
  const hook = await compare(
    {
      name: "empty hook through the runtime",
      run: (n) => {
        for (let i = 0; i < n; i++) scope.response(200);
      },
    },
    {
      name: "the export called directly",
      run: (n) => {
        for (let i = 0; i < n; i++) response();
      },
    },
    ctx.compare(0, 3),
  );
  const meteredCall = await compare(
    {
      name: "the metered export called directly",
      run: (n) => {
        for (let i = 0; i < n; i++) meteredResponse(budget);
      },
    },
    {
      name: "the export called directly",
      run: (n) => {
        for (let i = 0; i < n; i++) response();
      },
    },
    ctx.compare(1, 3),
  );
  const requestCycle = await compare(
    {
      name: "empty request: begin, request + response hooks, end",
      run: (n) => {
        for (let i = 0; i < n; i++) {
          const s = runtime.begin(info);
          s.request();
          s.response(200);
          s.end();
        }
      },
    },
    {
      name: "both exports called directly",
      run: (n) => {
        for (let i = 0; i < n; i++) {
          request();
          response();
        }
      },
    },
    ctx.compare(2, 3),
  );
  const hookNs = hook.subject.medianNs;
  return {
    id: "empty-hook",
    number: 2,
    title: "A hook that does nothing vs the same (nothing) called directly",
    rows: [
      comparisonRow(hook, hook.name, "scope.response() on one request scope: dispatch, bookkeeping, the metered call"),
      comparisonRow(
        meteredCall,
        meteredCall.name,
        `fuel metering alone: the rest of the hook call, ${(hookNs - meteredCall.subject.medianNs).toFixed(1)} ns, is the runtime's dispatch`,
      ),
      comparisonRow(
        requestCycle,
        requestCycle.name,
        "per request: the scope (parent context, a clock read for received-at), both hooks, end",
      ),
    ],
    goals: [
      {
        goal: "empty hook call under 100 ns",
        measured: formatValue(hookNs, "ns"),
        met: hookNs < 100,
      },
      {
        goal: "empty hook call at most 3x the bare export call (issue 12)",
        measured: `${hook.ratio.toFixed(2)}x [${hook.ratioLow.toFixed(2)}-${hook.ratioHigh.toFixed(2)}] (${formatValue(hookNs, "ns")} vs ${formatValue(hook.base.medianNs, "ns")})`,
        met: hook.ratio <= 3,
      },
    ],
    notes: [
      `A whole request with one empty-hook probe (scope, a clock read for received-at, both hooks, end) costs ${formatValue(requestCycle.subject.medianNs, "ns")}.`,
    ],
  };
}
