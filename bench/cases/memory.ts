/** Case 6: bytes per probe instance, and how many instances fit in 128 MiB. */
import { memoryPerInstance } from "../../host/cli/bench/cases.js";
import { type CaseResult, formatValue, type Row } from "../../host/cli/bench/report.js";
import { type BenchContext, builtProbe } from "../context.js";

const PROBES: readonly [string, string][] = [
  ["examples", "latency"],
  ["examples", "sampler"],
  ["examples", "slow-detector"],
  ["bench", "empty"],
];

export async function memoryCase(ctx: BenchContext): Promise<CaseResult> {
  const count = ctx.quick ? 20 : 300;
  const rows: Row[] = [];
  let worst = 0;
  let worstHeap = 0;
  for (const [i, [group, name]] of PROBES.entries()) {
    ctx.progress(i / PROBES.length);
    const m = await memoryPerInstance(await builtProbe(group, name), count);
    if (m.perInstance > worst) {
      worst = m.perInstance;
      worstHeap = m.heapPerInstance;
    }
    rows.push({
      label: `${name}: bytes per instance`,
      value: m.perInstance,
      unit: "bytes",
      detail: `JS heap ${formatValue(m.heapPerInstance, "bytes")} + linear memory ${formatValue(m.linearPerInstance, "bytes")}; resident ${formatValue(m.rssPerInstance, "bytes")}; ${m.fitIn128MiB.toLocaleString("en-US")} fit in 128 MiB`,
    });
    rows.push({ label: `${name}: instances in 128 MiB`, value: m.fitIn128MiB, unit: "count" });
  }
  return {
    id: "memory",
    number: 6,
    title: "Memory per probe instance",
    rows,
    goals: [
      {
        goal: "at most 64 KiB per probe instance (issue 12)",
        measured: `${formatValue(worst, "bytes")} (largest of the examples; host JS heap ${formatValue(worstHeap, "bytes")} of it)`,
        met: worst <= 64 * 1024,
      },
    ],
    notes: [
      `${count} instances of each probe from one compiled module, 20 requests through each, then the growth of the JS heap and of external memory (V8 counts wasm linear memory there) after a full GC, divided by the count.`,
      "Linear memory is committed in 64 KiB pages; the resident size is lower when a probe never touches most of its page.",
    ],
  };
}
