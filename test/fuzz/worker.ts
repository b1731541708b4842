/**
 * Runs fuzz inputs [start, end) of one seed and reports each as it ends, so
 * the parent can tell a hang (no report) from a slow input.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadCorpus } from "./corpus.js";
import { makeInput } from "./inputs.js";
import { runInput } from "./pipeline.js";

export interface WorkerJob {
  readonly seed: number;
  readonly start: number;
  readonly end: number;
}

export interface InputReport {
  readonly index: number;
  readonly seedName: string;
  readonly mutations: string;
  readonly resigned: boolean;
  readonly verdict: string;
  readonly untyped: readonly string[];
  readonly violations: readonly string[];
}

const job = workerData as WorkerJob;
const port = parentPort;
if (port === null) throw new Error("fuzz worker: run me as a worker thread");
const corpus = await loadCorpus();
port.postMessage({ ready: true });
for (let index = job.start; index < job.end; index++) {
  port.postMessage({ starting: index });
  const input = await makeInput(corpus, job.seed, index);
  const outcome = await runInput(input.bytes, {
    policy: corpus.policy,
    original: input.seed.bytes,
    bundle: input.seed.bundle,
    resigned: input.resigned,
  });
  const report: InputReport = {
    index,
    seedName: input.seed.name,
    mutations: input.mutations.join("+"),
    resigned: input.resigned,
    ...outcome,
  };
  port.postMessage({ report });
}
