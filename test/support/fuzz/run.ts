/**
 * Run a seeded fuzz campaign in a worker thread with a watchdog: an input
 * that makes no progress for `hangAfterMs` is counted as a hang (with its
 * index, to replay), the worker is terminated and a new one carries on with
 * the next input. The watchdog is a bound on each input, never an assertion
 * about speed: the limit is generous and only a hang can reach it.
 */
import { Worker } from "node:worker_threads";
import type { WorkerMessage, WorkerTask } from "./worker.js";

export interface Finding {
  readonly index: number;
  readonly what: string;
  readonly recipe: string;
}

export interface FuzzSummary {
  readonly seed: number;
  readonly inputs: number;
  readonly accepted: number;
  /** Inputs that ended with a SandprobeError (at some stage), by the first code met. */
  readonly typedByCode: Readonly<Record<string, number>>;
  /** Inputs some stage of which threw something other than a SandprobeError. */
  readonly otherExceptions: number;
  readonly hangs: number;
  /** Inputs accepted although a signed byte changed. */
  readonly acceptedTampered: number;
  readonly findings: readonly Finding[];
  readonly seconds: number;
}

export interface FuzzOptions {
  readonly seed: number;
  readonly count: number;
  readonly hangAfterMs?: number;
  readonly onProgress?: (done: number) => void;
}

const WORKER = new URL("./worker.js", import.meta.url);

export async function fuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const started = performance.now();
  const hangAfterMs = options.hangAfterMs ?? 30_000;
  const typedByCode: Record<string, number> = {};
  const findings: Finding[] = [];
  let inputs = 0;
  let accepted = 0;
  let otherExceptions = 0;
  let hangs = 0;
  let acceptedTampered = 0;
  let next = 0;
  while (next < options.count) {
    next = await new Promise<number>((resolve, reject) => {
      const task: WorkerTask = { seed: options.seed, from: next, to: options.count };
      const worker = new Worker(WORKER, { workerData: task });
      let current = task.from;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          hangs++;
          inputs++;
          findings.push({ index: current, what: `hang: no progress in ${hangAfterMs} ms`, recipe: "" });
          void worker.terminate();
          resolve(current + 1);
        }, hangAfterMs);
      };
      arm();
      worker.on("message", (message: WorkerMessage) => {
        arm();
        if (message.type === "start") current = message.index;
        else if (message.type === "done") {
          inputs++;
          options.onProgress?.(inputs);
          if (message.accepted) accepted++;
          const first = message.codes[0];
          if (first !== undefined) typedByCode[first] = (typedByCode[first] ?? 0) + 1;
          if (message.others.length > 0) {
            otherExceptions++;
            findings.push({ index: message.index, what: message.others.join("; "), recipe: message.recipe });
          }
          if (message.acceptedTampered) {
            acceptedTampered++;
            findings.push({
              index: message.index,
              what: "accepted with a signed byte changed",
              recipe: message.recipe,
            });
          }
        } else {
          clearTimeout(timer);
          void worker.terminate();
          resolve(options.count);
        }
      });
      worker.on("error", (error) => {
        // The worker itself died (a crash of the pipeline, or out of memory): a finding, then go on.
        clearTimeout(timer);
        otherExceptions++;
        inputs++;
        findings.push({ index: current, what: `worker died: ${String(error)}`, recipe: "" });
        resolve(current + 1);
      });
      worker.on("exit", (code) => {
        if (code !== 0 && code !== 1) reject(new Error(`fuzz worker exited with ${code}`));
      });
    });
  }
  return {
    seed: options.seed,
    inputs,
    accepted,
    typedByCode,
    otherExceptions,
    hangs,
    acceptedTampered,
    findings,
    seconds: (performance.now() - started) / 1000,
  };
}
