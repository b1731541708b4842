/**
 * Case 9, with the edge issue: requests per second through workerd with and
 * without probes, from the edge engineer's bench/edge.ts when it is present.
 */
import type { CaseResult, Row } from "../../host/cli/bench/report.js";
import type { BenchContext } from "../context.js";

interface EdgeVariant {
  readonly name: string;
  readonly rps: number;
  readonly overheadUs: number;
  readonly errors: number;
  readonly cpuUsPerRequest: number;
  readonly cpuOverheadUs: number;
}
interface EdgeModule {
  edgeBench(options: { rounds?: number; requests?: number; concurrency?: number }): Promise<{
    variants: EdgeVariant[];
    settings: { rounds: number; requests: number; concurrency: number };
  }>;
}

export async function edgeCase(ctx: BenchContext): Promise<CaseResult> {
  const title = "Requests per second through workerd, with and without probes";
  let edge: EdgeModule;
  try {
    // A variable specifier: the bench builds and runs without bench/edge.ts.
    const specifier = "../edge.js";
    edge = (await import(specifier)) as EdgeModule;
  } catch (error) {
    return {
      id: "edge",
      number: 9,
      title,
      rows: [],
      skipped: `bench/edge.ts not available (${(error as Error).message})`,
    };
  }
  ctx.progress(0);
  const result = await edge.edgeBench(ctx.quick ? { rounds: 1, requests: 200 } : { rounds: 3, requests: 1500 });
  const baseline = result.variants.find((v) => v.name === "baseline");
  const rows: Row[] = result.variants
    .filter((v) => v !== baseline)
    .map((v) => ({
      label: `workerd: ${v.name}`,
      value: v.rps,
      unit: "per-second",
      ...(baseline ? { baseline: { label: "workerd without probes", value: baseline.rps } } : {}),
      ...(baseline
        ? { ratio: { median: v.rps / baseline.rps, low: v.rps / baseline.rps, high: v.rps / baseline.rps } }
        : {}),
      detail: `+${v.overheadUs.toFixed(1)} us per request (wall); workerd CPU ${v.cpuUsPerRequest.toFixed(1)} us/request, +${v.cpuOverheadUs.toFixed(1)} us over the baseline${v.errors > 0 ? `, ${v.errors} errors` : ""}`,
    }));
  const probesOnly = result.variants.find((v) => v.name === "probes");
  const { rounds, requests, concurrency } = result.settings;
  return {
    id: "edge",
    number: 9,
    title,
    rows,
    goals: [
      {
        goal: "example probes add at most +5 us of workerd CPU per request, no OTLP export (issue 12)",
        measured: probesOnly
          ? `+${probesOnly.cpuOverheadUs.toFixed(1)} us (${probesOnly.cpuUsPerRequest.toFixed(1)} us vs ${(baseline?.cpuUsPerRequest ?? Number.NaN).toFixed(1)} us without probes)`
          : "n/a",
        met: probesOnly && Number.isFinite(probesOnly.cpuOverheadUs) ? probesOnly.cpuOverheadUs <= 5 : null,
      },
    ],
    notes: [
      "workerd CPU: time on CPU of all the workerd process's threads (/proc/<pid>/task/*/schedstat) over a round divided by its requests, so the Node load generator's own cost is not counted; the overhead is the per-round difference to the baseline process.",
      `bench/edge.ts: ${rounds} round(s) x ${requests} requests, ${concurrency} in flight, loopback; median over rounds; the ratio column is with/without probes.`,
    ],
  };
}
