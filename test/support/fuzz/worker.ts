/**
 * The fuzz worker: builds the corpus, then runs inputs `from` .. `to` of
 * the run through the pipeline and posts each outcome. The parent thread
 * watches it (run.ts): an input that never finishes is a hang.
 */
import { parentPort, workerData } from "node:worker_threads";
import { buildCorpus } from "./corpus.js";
import { generateInput } from "./generate.js";
import { runPipeline } from "./pipeline.js";

export interface WorkerTask {
  readonly seed: number;
  readonly from: number;
  readonly to: number;
}

export type WorkerMessage =
  | { readonly type: "start"; readonly index: number }
  | {
      readonly type: "done";
      readonly index: number;
      readonly accepted: boolean;
      readonly acceptedTampered: boolean;
      /** SandprobeError codes met, by stage. */
      readonly codes: readonly string[];
      readonly others: readonly string[];
      readonly recipe: string;
    }
  | { readonly type: "finished" };

const task = workerData as WorkerTask;
const port = parentPort;
if (port) {
  const corpus = await buildCorpus();
  for (let index = task.from; index < task.to; index++) {
    port.postMessage({ type: "start", index } satisfies WorkerMessage);
    const input = await generateInput(corpus, task.seed, index);
    const result = await runPipeline(input.bytes, { policy: corpus.policy, originalTail: input.tail, load: true });
    const codes = result.stages.filter((s) => s.outcome !== "ok" && s.outcome !== "other").map((s) => s.outcome);
    const others = result.stages.filter((s) => s.outcome === "other").map((s) => `${s.stage}: ${s.message}`);
    port.postMessage({
      type: "done",
      index,
      accepted: result.accepted,
      acceptedTampered: result.acceptedTampered,
      codes,
      others,
      recipe: input.recipe,
    } satisfies WorkerMessage);
  }
  port.postMessage({ type: "finished" } satisfies WorkerMessage);
}
