/**
 * Case 9, with the edge issue: requests per second through workerd with and
 * without probes, from the edge engineer's bench/edge.ts when it is present.
 */
import type { CaseResult, Row } from "../../host/cli/bench/report.js";
import type { BenchContext } from "../context.js";

interface EdgeVariant {
  readonly name: string;
  readonly rps: number;
  readonly rpsRounds: readonly number[];
  readonly exported: { readonly requests: number; readonly bytes: number };
  readonly overheadUs: number;
  readonly errors: number;
  readonly cpuUsPerRequest: number;
  readonly cpuRounds: readonly number[];
  readonly cpuOverheadUs: number;
}

interface Spread {
  readonly median: number;
  readonly low: number;
  readonly high: number;
}

/** Median and interquartile range of per-round values; NaN for none (no /proc outside Linux: not judged). */
function spreadOf(perRound: readonly number[]): Spread {
  const sorted = perRound.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
  return { median: at(0.5), low: at(0.25), high: at(0.75) };
}

/** Workerd CPU per request of `subject` minus `reference`, round by round. */
function cpuAdded(subject: EdgeVariant, reference: EdgeVariant): Spread {
  return spreadOf(subject.cpuRounds.map((us, r) => us - (reference.cpuRounds[r] as number)));
}

const us = (x: Spread) =>
  `${x.median >= 0 ? "+" : ""}${x.median.toFixed(1)} us [${x.low.toFixed(1)} to ${x.high.toFixed(1)}]`;
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
  // Per-request CPU of one workerd process moves by tens of microseconds between rounds: 7 alternated rounds.
  const result = await edge.edgeBench(ctx.quick ? { rounds: 1, requests: 200 } : { rounds: 7, requests: 1500 });
  const baseline = result.variants.find((v) => v.name === "baseline");
  const variant = (name: string) => result.variants.find((v) => v.name === name);
  const rows: Row[] = result.variants
    .filter((v) => v !== baseline && !v.name.startsWith("js-twin"))
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
  // The probes against the same spans made in plain JavaScript in the same worker (issue 12).
  const pairs = [
    ["probes", "js-twin"],
    ["probes+otlp", "js-twin+otlp"],
    ["probes+otlp/20ms", "js-twin+otlp/20ms"],
  ] as const;
  const twinRatios: Array<{ probes: EdgeVariant; twin: EdgeVariant; ratio: number; low: number; high: number }> = [];
  for (const [probesName, twinName] of pairs) {
    const probes = variant(probesName);
    const twin = variant(twinName);
    if (!probes || !twin) continue;
    const ratio = spreadOf(probes.rpsRounds.map((rps, r) => rps / (twin.rpsRounds[r] as number)));
    twinRatios.push({ probes, twin, ratio: ratio.median, low: ratio.low, high: ratio.high });
    rows.push({
      label: `workerd: ${probesName} vs ${twinName}`,
      value: probes.rps,
      unit: "per-second",
      baseline: { label: `${twinName} (plain JS, same spans)`, value: twin.rps },
      ratio,
      detail: `workerd CPU ${probes.cpuUsPerRequest.toFixed(1)} vs ${twin.cpuUsPerRequest.toFixed(1)} us/request (${(probes.cpuUsPerRequest - twin.cpuUsPerRequest).toFixed(1)} us more with probes)${probes.exported.requests > 0 ? `; OTLP ${probes.exported.requests} vs ${twin.exported.requests} requests, ${probes.exported.bytes} vs ${twin.exported.bytes} bytes` : ""}`,
    });
  }
  const otlpPair = twinRatios.find((p) => p.probes.name === "probes+otlp");
  const probesOnly = variant("probes");
  const twinOnly = variant("js-twin");
  const emptyProbe = variant("empty-probe");
  const overBaseline = probesOnly && baseline ? cpuAdded(probesOnly, baseline) : undefined;
  // Where the added CPU goes: what plain-JS instrumentation of the same spans costs, and what the probes add to that.
  const split = [
    twinOnly && baseline ? `the JS twin ${us(cpuAdded(twinOnly, baseline))} over the baseline` : "",
    probesOnly && twinOnly ? `the probes ${us(cpuAdded(probesOnly, twinOnly))} over the twin` : "",
    emptyProbe && twinOnly ? `one empty probe ${us(cpuAdded(emptyProbe, twinOnly))} over the twin` : "",
  ].filter((part) => part !== "");
  const { rounds, requests, concurrency } = result.settings;
  return {
    id: "edge",
    number: 9,
    title,
    rows,
    goals: [
      {
        goal: "example probes add at most +5 us of workerd CPU per request, no OTLP export (issue 12)",
        measured:
          probesOnly && overBaseline
            ? `${us(overBaseline)} (${probesOnly.cpuUsPerRequest.toFixed(1)} us vs ${(baseline?.cpuUsPerRequest ?? Number.NaN).toFixed(1)} us without probes; ${split.join("; ")})`
            : "n/a",
        met: overBaseline && Number.isFinite(overBaseline.median) ? overBaseline.median <= 5 : null,
      },
      {
        goal: "workerd req/s with OTLP export per request >= 0.90x of the JS twin exporting the same spans (issue 12)",
        measured: otlpPair
          ? `${otlpPair.ratio.toFixed(2)}x [${otlpPair.low.toFixed(2)}-${otlpPair.high.toFixed(2)}] (${otlpPair.probes.rps.toFixed(0)} vs ${otlpPair.twin.rps.toFixed(0)} req/s)`
          : "n/a",
        met:
          otlpPair && otlpPair.twin.exported.requests > 0 && otlpPair.probes.exported.requests > 0
            ? otlpPair.ratio >= 0.9
            : null,
      },
    ],
    notes: [
      "workerd CPU: time on CPU of all the workerd process's threads (/proc/<pid>/task/*/schedstat) over a round divided by its requests, so the Node load generator's own cost is not counted; an added cost is the per-round difference to the reference process (median [interquartile range] over rounds).",
      `bench/edge.ts: ${rounds} round(s) x ${requests} requests, ${concurrency} in flight, loopback; median over rounds; the ratio column is with/without probes, and for the "vs js-twin" rows probes / JS twin (median of per-round ratios).`,
      "js-twin: the example app instrumented in plain JavaScript with @opentelemetry/api, the same spans as the example probes (test/edge/js-twin.test.ts checks them field for field in workerd), the same provider, processor and OTLP exporter.",
    ],
  };
}
