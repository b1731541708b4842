/**
 * The cost of fuel metering: the same probes, metered and unmetered, in the
 * same process, measured in interleaved rounds (the order alternates every
 * round) and reported as medians.
 *
 *   node dist/bench/metering.js [--rounds N] [--json]
 *
 * Needs `npm run build` (probes under build/probes). Goals (issue 7): at most
 * 1.10x on loop-heavy code and at most +3 ns per hook call, budget included.
 */
import { readFile } from "node:fs/promises";
import { stubImports } from "../host/cli/bench/metering.js";
import { meterModule, START_EXPORT } from "../host/load/index.js";
import { FuelStats } from "../host/runtime/fuel-stats.js";

type Fn = (...args: number[]) => unknown;

interface Case {
  readonly name: string;
  /** What one operation is, for the report. */
  readonly unit: string;
  readonly operations: number;
  readonly plain: () => void;
  readonly metered: () => void;
}

const BUDGET = 2_000_000_000;

async function load(group: string, name: string, entries: string[]) {
  const bytes = new Uint8Array(await readFile(`build/probes/${group}/${name}.wasm`));
  const metered = meterModule(bytes, { entries }).bytes;
  const plain = (await WebAssembly.instantiate(bytes, stubImports(bytes))).instance.exports;
  const instrumented = (await WebAssembly.instantiate(metered as Uint8Array<ArrayBuffer>, stubImports(metered)))
    .instance.exports;
  (instrumented[START_EXPORT] as Fn | undefined)?.(BUDGET);
  const get = (exports: WebAssembly.Exports, fn: string) => exports[fn] as Fn;
  return { plain: (fn: string) => get(plain, fn), metered: (fn: string) => get(instrumented, fn) };
}

async function cases(): Promise<Case[]> {
  const fnv = await load("testing", "fnv-hash", ["init", "fnv"]);
  fnv.plain("init")();
  fnv.metered("init")(BUDGET);
  const fnvPlain = fnv.plain("fnv");
  const fnvMetered = fnv.metered("fnv");

  const bs = await load("testing", "binary-search", ["init", "search", "searchInto", "searchMany"]);
  bs.plain("init")();
  bs.metered("init")(BUDGET);
  const searchPlain = bs.plain("search");
  const searchMetered = bs.metered("search");
  const intoPlain = bs.plain("searchInto");
  const intoMetered = bs.metered("searchInto");
  const manyPlain = bs.plain("searchMany");
  const manyMetered = bs.metered("searchMany");

  const hook = await load("testing", "fnv-hash", ["request"]);
  const hookPlain = hook.plain("request");
  const hookMetered = hook.metered("request");

  const latency = await load("examples", "latency", ["init", "request", "response"]);
  latency.plain("init")();
  latency.metered("init")(BUDGET);
  const responsePlain = latency.plain("response");
  const responseMetered = latency.metered("response");

  const HOOK_CALLS = 200_000;
  const fuelStats = new FuelStats();
  const SEARCHES = 20_000;
  return [
    {
      name: "FNV-1a, 1 KiB x 20 (loop, no calls)",
      unit: "call",
      operations: 20,
      plain: () => {
        for (let i = 0; i < 20; i++) fnvPlain(1024, 20);
      },
      metered: () => {
        for (let i = 0; i < 20; i++) fnvMetered(1024, 20, BUDGET);
      },
    },
    {
      name: "binary search, wasm loop calling search()",
      unit: "search",
      operations: SEARCHES * 5,
      plain: () => {
        manyPlain(SEARCHES * 5);
      },
      metered: () => {
        manyMetered(SEARCHES * 5, BUDGET);
      },
    },
    {
      name: "binary search, called from JS",
      unit: "call",
      operations: SEARCHES,
      plain: () => {
        for (let i = 0; i < SEARCHES; i++) searchPlain((i * 7) % 12288);
      },
      metered: () => {
        for (let i = 0; i < SEARCHES; i++) searchMetered((i * 7) % 12288, BUDGET);
      },
    },
    {
      name: "binary search, from JS, hook-shaped (no result)",
      unit: "call",
      operations: SEARCHES,
      plain: () => {
        for (let i = 0; i < SEARCHES; i++) intoPlain((i * 7) % 12288);
      },
      metered: () => {
        for (let i = 0; i < SEARCHES; i++) intoMetered((i * 7) % 12288, BUDGET);
      },
    },
    {
      name: "tiny hook: request()",
      unit: "call",
      operations: HOOK_CALLS,
      plain: () => {
        for (let i = 0; i < HOOK_CALLS; i++) hookPlain();
      },
      metered: () => {
        for (let i = 0; i < HOOK_CALLS; i++) hookMetered(100_000);
      },
    },
    {
      name: "tiny hook + fuel stats (runtime per-call work)",
      unit: "call",
      operations: HOOK_CALLS,
      plain: () => {
        for (let i = 0; i < HOOK_CALLS; i++) hookPlain();
      },
      metered: () => {
        for (let i = 0; i < HOOK_CALLS; i++) fuelStats.record(100_000 - (hookMetered(100_000) as number));
      },
    },
    {
      name: "example probe latency.response() (stub imports)",
      unit: "call",
      operations: 20_000,
      plain: () => {
        for (let i = 0; i < 20_000; i++) responsePlain();
      },
      metered: () => {
        for (let i = 0; i < 20_000; i++) responseMetered(1_000_000);
      },
    },
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function time(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

export interface MeteringResult {
  readonly name: string;
  readonly unit: string;
  readonly plainNs: number;
  readonly meteredNs: number;
  readonly ratio: number;
  readonly deltaNs: number;
}

export async function runMeteringBench(rounds = 31): Promise<MeteringResult[]> {
  const results: MeteringResult[] = [];
  for (const c of await cases()) {
    // Warm up both (tier-up to optimized code), then interleave.
    for (let i = 0; i < 3; i++) {
      c.plain();
      c.metered();
    }
    const plain: number[] = [];
    const metered: number[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        plain.push(time(c.plain));
        metered.push(time(c.metered));
      } else {
        metered.push(time(c.metered));
        plain.push(time(c.plain));
      }
    }
    const plainNs = (median(plain) * 1e6) / c.operations;
    const meteredNs = (median(metered) * 1e6) / c.operations;
    results.push({
      name: c.name,
      unit: c.unit,
      plainNs,
      meteredNs,
      ratio: meteredNs / plainNs,
      deltaNs: meteredNs - plainNs,
    });
  }
  return results;
}

/** Load-time cost of the transform itself: microseconds per meterModule call, per probe. */
export async function runTransformBench(rounds = 50): Promise<Array<{ name: string; bytes: number; us: number }>> {
  const out: Array<{ name: string; bytes: number; us: number }> = [];
  for (const [group, name] of [
    ["examples", "latency"],
    ["testing", "binary-search"],
  ] as const) {
    const bytes = new Uint8Array(await readFile(`build/probes/${group}/${name}.wasm`));
    for (let i = 0; i < 20; i++) meterModule(bytes, { entries: ["init", "request", "response"] });
    const times: number[] = [];
    for (let i = 0; i < rounds; i++)
      times.push(time(() => meterModule(bytes, { entries: ["init", "request", "response"] })));
    out.push({ name, bytes: bytes.length, us: median(times) * 1000 });
  }
  return out;
}

function report(results: readonly MeteringResult[]): string {
  const rows = results.map(
    (r) =>
      `${r.name.padEnd(50)} ${r.plainNs.toFixed(1).padStart(10)} ${r.meteredNs.toFixed(1).padStart(10)} ` +
      `${r.ratio.toFixed(3).padStart(7)}x ${(r.deltaNs >= 0 ? "+" : "") + r.deltaNs.toFixed(2).padStart(8)} ns/${r.unit}`,
  );
  return [
    `${"case".padEnd(50)} ${"plain ns".padStart(10)} ${"metered ns".padStart(10)} ${"ratio".padStart(8)} delta`,
    ...rows,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const roundsArg = process.argv.indexOf("--rounds");
  const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 31;
  const results = await runMeteringBench(rounds);
  const transform = await runTransformBench();
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify({ results, transform }, null, 2));
  } else {
    console.log(`fuel metering, Node ${process.version}, median of ${rounds} interleaved rounds`);
    console.log(report(results));
    for (const t of transform) console.log(`meterModule(${t.name}, ${t.bytes} bytes): ${t.us.toFixed(0)} us`);
  }
}
