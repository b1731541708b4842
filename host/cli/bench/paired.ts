/**
 * One-shot operations (cold starts, instrumenting a large module) against a
 * baseline in the same run: run i of the subject and run i of the baseline
 * happen back to back, in alternating order, and the ratio is the median of
 * the per-pair ratios (with its interquartile range), so a neighbour's load
 * that slows one pair slows both sides of it.
 */
import { type Distribution, distribution, quantile } from "./harness.js";

export interface PairedResult {
  readonly subject: Distribution;
  readonly base: Distribution;
  /** Median of the per-pair ratios subject/baseline, and its interquartile range. */
  readonly ratio: { readonly median: number; readonly low: number; readonly high: number };
  readonly runs: number;
}

export interface PairedOptions {
  /** Pairs run and thrown away first (default 2). */
  readonly warmup?: number;
  /**
   * How an operation is timed: wall time by default. "cpu" counts the
   * process's CPU time (user + system), which a busy neighbour on the other
   * core does not inflate; use it for synchronous work only.
   */
  readonly clock?: "wall" | "cpu";
  readonly onRun?: (done: number, total: number) => void;
}

type Operation = (run: number) => unknown | Promise<unknown>;

function cpuNowNs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1e3;
}

const wallNowNs = () => performance.now() * 1e6;

async function timeOne(op: Operation, run: number, now: () => number): Promise<number> {
  const t0 = now();
  const pending = op(run);
  if (pending instanceof Promise) await pending;
  return now() - t0;
}

export async function pairedSample(
  runs: number,
  subject: Operation,
  baseline: Operation,
  options: PairedOptions = {},
): Promise<PairedResult> {
  const warmup = options.warmup ?? 2;
  const now = options.clock === "cpu" ? cpuNowNs : wallNowNs;
  const subjectTimes: number[] = [];
  const baseTimes: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    let s: number;
    let b: number;
    if (i % 2 === 0) {
      s = await timeOne(subject, i, now);
      b = await timeOne(baseline, i, now);
    } else {
      b = await timeOne(baseline, i, now);
      s = await timeOne(subject, i, now);
    }
    options.onRun?.(i + 1, warmup + runs);
    if (i < warmup) continue;
    subjectTimes.push(s);
    baseTimes.push(b);
    ratios.push(s / Math.max(b, 1));
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  return {
    subject: distribution(subjectTimes),
    base: distribution(baseTimes),
    ratio: { median: quantile(sorted, 0.5), low: quantile(sorted, 0.25), high: quantile(sorted, 0.75) },
    runs,
  };
}
