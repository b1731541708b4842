/**
 * Case 11: what one hostile call costs the request it rides on, in time.
 * Each hostile probe is loaded beside the well-behaved `latency` probe with
 * the default limits (a 1 ms hook budget, FUEL_PER_MS), and quarantine turned
 * off so that every request pays the hostile call (the worst case: a flood
 * never gets the relief quarantine gives). The baseline is the same request
 * in the same process with `latency` alone. A failed call poisons its
 * instance, so the next one also pays a fresh instance and its `init`: that
 * is part of what the request pays and is measured with it.
 */
import { trace } from "@opentelemetry/api";
import { BENCH_RUNTIME, benchRequest, runRequest } from "../../host/cli/bench/cases.js";
import { compare } from "../../host/cli/bench/harness.js";
import { type CaseResult, comparisonRow, formatValue, type Row } from "../../host/cli/bench/report.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { DEFAULT_LIMITS, FUEL_PER_MS } from "../../host/world/limits.js";
import { type BenchContext, builtProbe } from "../context.js";

/** The hostile probes that burn CPU on the request path, and what stops each. */
const HOSTILE = [
  ["infinite-loop", "a loop without end in request (fuel)"],
  ["memory-grow-loop", "memory.grow in a loop without end (fuel; memory.grow costs 200)"],
  ["memory-bomb", "grow to the cap, then allocate until the allocator traps"],
  ["deep-recursion", "recursion until fuel or the stack runs out"],
  ["huge-attribute", "builds a 10 MB string (fuel)"],
  ["span-flood", "5000 span starts per call (span quota, then fuel)"],
  ["log-flood", "10 000 log lines per call (log quota, then fuel)"],
] as const;

const GOAL_NS = 1_000_000;

async function runtimeWith(names: readonly (readonly [string, string])[], quarantine: boolean): Promise<ProbeRuntime> {
  const never = Number.MAX_SAFE_INTEGER;
  const runtime = new ProbeRuntime({
    tracerProvider: trace.getTracerProvider(),
    ...BENCH_RUNTIME,
    limits: {
      ...BENCH_RUNTIME.limits,
      ...(quarantine ? {} : { quarantineAfter: never, quarantineAfterExhaustion: never }),
    },
  });
  await runtime.replaceAll(await Promise.all(names.map(([group, name]) => builtProbe(group, name))));
  return runtime;
}

export async function hostileCase(ctx: BenchContext): Promise<CaseResult> {
  const info = benchRequest();
  const baseline = await runtimeWith([["examples", "latency"]], false);
  const base = {
    name: "the same request, latency probe alone",
    run: (n: number) => {
      for (let i = 0; i < n; i++) runRequest(baseline, info, 200);
    },
  };
  const rows: Row[] = [];
  let worst = { name: "", addedNs: 0, p99AddedNs: 0 };
  const steps = HOSTILE.length + 1;
  for (const [step, [name, what]] of HOSTILE.entries()) {
    const runtime = await runtimeWith(
      [
        ["examples", "latency"],
        ["hostile", name],
      ],
      false,
    );
    const c = await compare(
      {
        name: `request with ${name}`,
        run: (n) => {
          for (let i = 0; i < n; i++) runRequest(runtime, info, 200);
        },
      },
      base,
      ctx.compare(step, steps),
    );
    const addedNs = c.subject.medianNs - c.base.medianNs;
    const p99AddedNs = c.subject.p99Ns - c.base.p99Ns;
    const codes = Object.keys(runtime.stats()[name]?.errors ?? {}).join(", ") || "no error";
    rows.push(
      comparisonRow(
        c,
        c.name,
        `${what}; adds ${formatValue(addedNs, "ns")} (p99 ${formatValue(p99AddedNs, "ns")}); ${codes}`,
      ),
    );
    if (addedNs > worst.addedNs) worst = { name, addedNs, p99AddedNs };
  }

  // With quarantine on (the defaults): a flood of requests against an infinite loop.
  const FLOOD = ctx.quick ? 200 : 2000;
  const quarantined = await runtimeWith(
    [
      ["examples", "latency"],
      ["hostile", "infinite-loop"],
    ],
    true,
  );
  const flood = await compare(
    {
      name: `${FLOOD} requests with infinite-loop, quarantine on`,
      run: (n) => {
        for (let i = 0; i < n * FLOOD; i++) runRequest(quarantined, info, 200);
      },
    },
    {
      name: `${FLOOD} requests, latency probe alone`,
      run: (n) => {
        for (let i = 0; i < n * FLOOD; i++) runRequest(baseline, info, 200);
      },
    },
    ctx.compare(steps - 1, steps),
  );
  const loopStats = quarantined.stats()["infinite-loop"];
  rows.push(
    comparisonRow(
      flood,
      flood.name,
      `quarantined after ${DEFAULT_LIMITS.quarantineAfterExhaustion} fuel exhaustions in a row: ${loopStats?.failures ?? 0} calls paid, ${loopStats?.skippedWhileQuarantined ?? 0} skipped`,
    ),
  );
  return {
    id: "hostile",
    number: 12,
    title: "What one hostile call adds to the request it rides on",
    rows,
    goals: [
      {
        goal: "worst time one hostile call adds to a request <= 1 ms",
        measured: `${formatValue(worst.addedNs, "ns")} (${worst.name}; p99 ${formatValue(worst.p99AddedNs, "ns")})`,
        met: ctx.quick ? null : worst.addedNs <= GOAL_NS,
      },
    ],
    notes: [
      `Default budget: fuelPerHook ${DEFAULT_LIMITS.fuelPerHook} = 1 ms at FUEL_PER_MS ${FUEL_PER_MS}; fuelForInit ${DEFAULT_LIMITS.fuelForInit}.`,
      "Quarantine off in the per-probe rows: every request pays the hostile call, and a failed call's next request pays a fresh instance too.",
    ],
  };
}
