/**
 * The benchmark harness: a case is always measured against its baseline in
 * the same process and run, in interleaved rounds (the order flips every
 * round, so drift, frequency changes and a neighbour's load hit both sides
 * alike), after warm-up rounds that let V8 tier both up.
 *
 * A round runs each side as a few timed batches of the same iteration count.
 * Before every batch the harness yields to the event loop, as a server does
 * between requests, so promise callbacks (an OpenTelemetry SimpleSpanProcessor
 * exports through promises) run and do not pile up across batches.
 *
 * Reported per side: the median and p99 of the batch means (ns per
 * operation; a batch is long enough for the timer's resolution, so p99 is
 * the 99th percentile of batch means, which catches GC pauses and neighbours
 * but not one slow operation in a batch), and the ratio case/baseline as the
 * median of the per-round ratios with its interquartile range.
 *
 * Why not tinybench or mitata: both time one task after another; neither
 * interleaves a case with its baseline round by round, which is what makes a
 * ratio trustworthy on a shared 2-core machine (docs/benchmarks.md).
 */

export interface BenchCase {
  readonly name: string;
  /** Run the operation `iterations` times (a loop inside, not a closure per call). */
  readonly run: (iterations: number) => void | Promise<void>;
}

export interface CompareOptions {
  /** Measured rounds (default 30). */
  readonly rounds?: number;
  /** Rounds run and thrown away first (default 5). */
  readonly warmupRounds?: number;
  /** Timed batches per side per round (default 5). */
  readonly batches?: number;
  /** Target duration of one batch, in milliseconds (default 2). */
  readonly batchMs?: number;
  /** Called after every round, for progress bars. */
  readonly onRound?: (done: number, total: number) => void;
}

/** A distribution of per-operation times, in nanoseconds. */
export interface Distribution {
  readonly medianNs: number;
  readonly p99Ns: number;
  readonly minNs: number;
  readonly samples: number;
}

export interface Comparison {
  readonly name: string;
  readonly baseline: string;
  readonly subject: Distribution;
  readonly base: Distribution;
  /** Median of the per-round ratios subject/baseline. */
  readonly ratio: number;
  /** Interquartile range of the per-round ratios. */
  readonly ratioLow: number;
  readonly ratioHigh: number;
  readonly rounds: number;
  readonly batches: number;
  readonly iterationsPerBatch: number;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[at] as number;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    medianNs: quantile(sorted, 0.5),
    p99Ns: quantile(sorted, 0.99),
    minNs: sorted[0] ?? Number.NaN,
    samples: sorted.length,
  };
}

/** Let queued callbacks and promise reactions run, as between two requests. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function timed(c: BenchCase, n: number): Promise<number> {
  const t0 = performance.now();
  const pending = c.run(n);
  if (pending) await pending;
  return (performance.now() - t0) * 1e6;
}

/**
 * An iteration count that makes one batch of `c` last about `targetMs`:
 * run it for ~20 ms first (so the first, unoptimized calls do not set the
 * count), then double the count until a batch takes at least `targetMs`.
 */
async function calibrate(c: BenchCase, targetMs: number): Promise<number> {
  const warmUntil = performance.now() + 20;
  let n = 1;
  while (performance.now() < warmUntil) {
    const ns = await timed(c, n);
    if (ns < 2e6) n *= 2;
  }
  await yieldToLoop();
  n = 1;
  for (;;) {
    const ns = await timed(c, n);
    if (ns >= targetMs * 1e6 || n >= 1 << 26) return Math.max(1, Math.round((n * targetMs * 1e6) / Math.max(ns, 1)));
    n *= 2;
    await yieldToLoop();
  }
}

/** Measure `subject` against `baseline`, interleaved, in one process. */
export async function compare(
  subject: BenchCase,
  baseline: BenchCase,
  options: CompareOptions = {},
): Promise<Comparison> {
  const rounds = Math.max(1, options.rounds ?? 30);
  const warmup = Math.max(0, options.warmupRounds ?? 5);
  const batches = Math.max(1, options.batches ?? 5);
  const batchMs = options.batchMs ?? 2;
  // Both sides run the same iteration count: that of the slower one.
  const n = Math.min(await calibrate(subject, batchMs), await calibrate(baseline, batchMs));
  const subjectSamples: number[] = [];
  const baseSamples: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < warmup + rounds; round++) {
    const first = round % 2 === 0 ? subject : baseline;
    const second = first === subject ? baseline : subject;
    const perOp = new Map<BenchCase, number[]>([
      [subject, []],
      [baseline, []],
    ]);
    for (const side of [first, second]) {
      const list = perOp.get(side) as number[];
      for (let b = 0; b < batches; b++) {
        await yieldToLoop();
        list.push((await timed(side, n)) / n);
      }
    }
    options.onRound?.(round + 1, warmup + rounds);
    if (round < warmup) continue;
    const s = perOp.get(subject) as number[];
    const t = perOp.get(baseline) as number[];
    subjectSamples.push(...s);
    baseSamples.push(...t);
    ratios.push(distribution(s).medianNs / distribution(t).medianNs);
  }
  const sortedRatios = [...ratios].sort((a, b) => a - b);
  return {
    name: subject.name,
    baseline: baseline.name,
    subject: distribution(subjectSamples),
    base: distribution(baseSamples),
    ratio: quantile(sortedRatios, 0.5),
    ratioLow: quantile(sortedRatios, 0.25),
    ratioHigh: quantile(sortedRatios, 0.75),
    rounds,
    batches,
    iterationsPerBatch: n,
  };
}

/** Time `fn(i)` once per run (for operations too slow or stateful to batch, e.g. cold starts). */
export async function sample(
  runs: number,
  fn: (run: number) => unknown | Promise<unknown>,
  options: { warmup?: number; onRun?: (done: number, total: number) => void } = {},
): Promise<Distribution & { readonly meanNs: number }> {
  const warmup = options.warmup ?? 3;
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = performance.now();
    const pending = fn(i);
    if (pending instanceof Promise) await pending;
    const ns = (performance.now() - t0) * 1e6;
    if (i >= warmup) times.push(ns);
    options.onRun?.(i + 1, warmup + runs);
  }
  return { ...distribution(times), meanNs: times.reduce((a, b) => a + b, 0) / Math.max(1, times.length) };
}

/** The machine a result came from: recorded with every run. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  /** 1-minute load average when the run started: > 0.5 means something else was running. */
  readonly loadAverage: number;
}

export async function machine(): Promise<MachineInfo> {
  const os = await import("node:os");
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8 ?? "unknown",
    platform: `${os.platform()} ${os.arch()}`,
    loadAverage: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}
