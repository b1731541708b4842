/**
 * A small interleaved benchmark harness: each case runs against its baseline
 * in the same process, alternating round by round so drift and noise hit
 * both alike. Reports per-operation medians, p99 and the ratio.
 */
export interface Case {
  readonly name: string;
  readonly run: (iterations: number) => void;
}

export interface Comparison {
  readonly name: string;
  readonly baseline: string;
  readonly medianNs: number;
  readonly p99Ns: number;
  readonly baselineMedianNs: number;
  readonly baselineP99Ns: number;
  /** median(case / baseline) over rounds, with its interquartile range. */
  readonly ratio: number;
  readonly ratioLow: number;
  readonly ratioHigh: number;
  readonly rounds: number;
  readonly iterationsPerRound: number;
}

function quantile(sorted: readonly number[], q: number): number {
  const at = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[at] as number;
}

/** Pick an iteration count so one round of `run` takes about `targetMs`. */
function calibrate(run: (n: number) => void, targetMs: number): number {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    run(n);
    const ms = performance.now() - t0;
    if (ms >= targetMs / 4 || n >= 1 << 24) return Math.max(1, Math.round((n * targetMs) / Math.max(ms, 0.001)));
    n *= 4;
  }
}

export function compare(
  subject: Case,
  baseline: Case,
  options: { rounds?: number; roundMs?: number; warmupRounds?: number } = {},
): Comparison {
  const rounds = options.rounds ?? 40;
  const roundMs = options.roundMs ?? 20;
  const warmup = options.warmupRounds ?? 5;
  // Calibrate on the slower of the two so both get the same iteration count.
  const n = Math.min(calibrate(subject.run, roundMs), calibrate(baseline.run, roundMs));
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < warmup + rounds; r++) {
    const order = r % 2 === 0 ? [subject, baseline] : [baseline, subject];
    const times = new Map<Case, number>();
    for (const c of order) {
      const t0 = performance.now();
      c.run(n);
      times.set(c, ((performance.now() - t0) * 1e6) / n);
    }
    if (r < warmup) continue;
    const ta = times.get(subject) as number;
    const tb = times.get(baseline) as number;
    a.push(ta);
    b.push(tb);
    ratios.push(ta / tb);
  }
  const sa = [...a].sort((x, y) => x - y);
  const sb = [...b].sort((x, y) => x - y);
  const sr = [...ratios].sort((x, y) => x - y);
  return {
    name: subject.name,
    baseline: baseline.name,
    medianNs: quantile(sa, 0.5),
    p99Ns: quantile(sa, 0.99),
    baselineMedianNs: quantile(sb, 0.5),
    baselineP99Ns: quantile(sb, 0.99),
    ratio: quantile(sr, 0.5),
    ratioLow: quantile(sr, 0.25),
    ratioHigh: quantile(sr, 0.75),
    rounds,
    iterationsPerRound: n,
  };
}

export function formatComparison(c: Comparison): string {
  const ns = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} us` : `${v.toFixed(1)} ns`);
  return (
    `${c.name.padEnd(44)} ${ns(c.medianNs).padStart(10)} (p99 ${ns(c.p99Ns)})  vs ${c.baseline}: ` +
    `${ns(c.baselineMedianNs)} (p99 ${ns(c.baselineP99Ns)})  ratio ${c.ratio.toFixed(2)}x [${c.ratioLow.toFixed(2)}-${c.ratioHigh.toFixed(2)}]`
  );
}

/** CPU model, cores and runtime versions, recorded with every result. */
export async function machine(): Promise<Record<string, string | number>> {
  const os = await import("node:os");
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.arch()}`,
  };
}
