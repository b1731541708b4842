/**
 * The fuzz runner used by the test suite and `npm run fuzz`: inputs run in a
 * worker thread; one that makes no progress for `hangMs` is a hang, the
 * worker is replaced and the run carries on after it.
 */
import { Worker } from "node:worker_threads";
import type { InputReport, WorkerJob } from "./worker.js";

export interface FuzzOptions {
  readonly seed: number;
  readonly count: number;
  /** An input still running after this long is reported as a hang. */
  readonly hangMs?: number;
  readonly onProgress?: (done: number) => void;
}

export interface Finding {
  readonly index: number;
  readonly what: string;
  readonly seedName?: string;
  readonly mutations?: string;
}

export interface FuzzSummary {
  readonly seed: number;
  readonly inputs: number;
  readonly accepted: number;
  /** The trust path's verdicts by error code. */
  readonly refused: Readonly<Record<string, number>>;
  readonly resigned: number;
  readonly untyped: readonly Finding[];
  readonly violations: readonly Finding[];
  readonly hangs: readonly Finding[];
  readonly crashes: readonly Finding[];
  readonly seconds: number;
}

interface SliceEnd {
  /** The input the worker was running when it hung or crashed. */
  readonly stoppedAt?: number;
  readonly how?: string;
}

const WORKER_URL = new URL("./worker.js", import.meta.url);

function runSlice(job: WorkerJob, hangMs: number, onReport: (report: InputReport) => void): Promise<SliceEnd> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_URL, { workerData: job });
    let current: number | undefined;
    let lastProgress = Date.now();
    let settled = false;
    const finish = (result: SliceEnd) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      resolve(result);
    };
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgress < hangMs) return;
      const hungAt = current;
      void worker.terminate();
      finish(hungAt === undefined ? {} : { stoppedAt: hungAt, how: `no result after ${hangMs} ms` });
    }, 250);
    worker.on("message", (message: { ready?: true; starting?: number; report?: InputReport }) => {
      lastProgress = Date.now();
      if (message.starting !== undefined) current = message.starting;
      if (message.report) {
        current = undefined;
        onReport(message.report);
      }
    });
    // An exception that escapes an input, or the worker dying, is a crash of that input.
    worker.on("error", (error) => {
      finish({ stoppedAt: current ?? job.start, how: `worker crashed: ${error.message}` });
    });
    worker.on("exit", () => finish({}));
  });
}

export async function fuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const started = performance.now();
  const hangMs = options.hangMs ?? 20_000;
  const refused: Record<string, number> = {};
  const untyped: Finding[] = [];
  const violations: Finding[] = [];
  const hangs: Finding[] = [];
  const crashes: Finding[] = [];
  let accepted = 0;
  let resigned = 0;
  let done = 0;
  let next = 0;
  while (next < options.count) {
    const { stoppedAt, how } = await runSlice(
      { seed: options.seed, start: next, end: options.count },
      hangMs,
      (report) => {
        done++;
        next = report.index + 1;
        if (report.resigned) resigned++;
        if (report.verdict === "ok") accepted++;
        else refused[report.verdict] = (refused[report.verdict] ?? 0) + 1;
        const where = { index: report.index, seedName: report.seedName, mutations: report.mutations };
        for (const what of report.untyped) untyped.push({ ...where, what });
        for (const what of report.violations) violations.push({ ...where, what });
        if (done % 1000 === 0) options.onProgress?.(done);
      },
    );
    if (stoppedAt !== undefined) {
      (how?.startsWith("worker crashed") ? crashes : hangs).push({ index: stoppedAt, what: how ?? "" });
      done++;
      next = stoppedAt + 1;
    } else if (next < options.count && done < options.count) {
      throw new Error(`fuzz worker stopped at input ${next} without a result`);
    }
  }
  return {
    seed: options.seed,
    inputs: done,
    accepted,
    refused,
    resigned,
    untyped,
    violations,
    hangs,
    crashes,
    seconds: (performance.now() - started) / 1000,
  };
}
