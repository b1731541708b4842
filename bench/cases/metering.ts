/**
 * Case 4, fuel metering on vs off: the metering engineer's bench
 * (bench/metering.ts: a CPU-bound FNV hash, binary searches, a tiny hook and
 * the latency probe, instantiated metered and unmetered with stub imports),
 * plus each example probe's hooks as sandboxModule instruments them.
 */
import { meteringRows } from "../../host/cli/bench/metering.js";
import type { CaseResult, Row } from "../../host/cli/bench/report.js";
import { type BenchContext, builtProbe } from "../context.js";
import { runMeteringBench } from "../metering.js";

export async function meteringCase(ctx: BenchContext): Promise<CaseResult> {
  ctx.progress(0);
  const rows: Row[] = (await runMeteringBench(ctx.quick ? 3 : 21)).map((r) => ({
    label: `${r.name} metered`,
    value: r.meteredNs,
    unit: "ns",
    baseline: { label: "unmetered", value: r.plainNs },
    ratio: { median: r.ratio, low: r.ratio, high: r.ratio },
    detail: `${r.deltaNs >= 0 ? "+" : ""}${r.deltaNs.toFixed(2)} ns per ${r.unit} (bench/metering.ts: median of interleaved rounds, no spread reported)`,
  }));
  const examples = ["latency", "sampler", "slow-detector"];
  for (const [i, name] of examples.entries()) {
    rows.push(
      ...(await meteringRows(name, await builtProbe("examples", name), ctx.compare(i + 1, examples.length + 1))),
    );
  }
  const loop = rows.find((r) => r.label.startsWith("binary search, wasm loop"));
  const hook = rows.find((r) => r.label.startsWith("tiny hook"));
  return {
    id: "metering",
    number: 4,
    title: "Fuel metering on vs off (guest code; stub imports)",
    rows,
    goals: [
      {
        goal: "metering at most 1.10x on loop-heavy code (issue 7)",
        measured: loop ? `${loop.ratio?.median.toFixed(3)}x (binary search loop)` : "n/a",
        met: loop?.ratio ? loop.ratio.median <= 1.1 : null,
      },
      {
        goal: "metering at most +3 ns per hook call (issue 7)",
        measured: hook?.baseline ? `+${(hook.value - hook.baseline.value).toFixed(2)} ns` : "n/a",
        met: hook?.baseline ? hook.value - hook.baseline.value <= 3 : null,
      },
    ],
    notes: ["Goals of issue 7, owned by the sandbox: shown here so one report carries every cost."],
  };
}
