/**
 * Start a packed worker project in each runtime, on 127.0.0.1, from the
 * binaries npm installed: workerd and deno from their platform packages,
 * Node as this very node.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { denoBinary, freePort, type Started, startProcess, workerdBinary } from "./processes.js";

export type RuntimeName = "workerd" | "deno" | "node";

/** What the worker reads from its environment. */
export interface WorkerEnv {
  readonly SANDPROBE_OTLP_URL?: string;
  readonly UPSTREAM_URL?: string;
  readonly SANDPROBE_OTLP_LINGER_MS?: string;
}

const listening = (output: string) => /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
const launcher = (file: string) => fileURLToPath(new URL(`./${file}`, import.meta.url));

/** workerd serve PROJECT/config.capnp, its socket moved to a free port; env through fromEnvironment bindings. */
export async function startWorkerd(project: string, env: WorkerEnv): Promise<Started> {
  const port = await freePort();
  return startProcess({
    command: workerdBinary(),
    args: ["serve", join(project, "config.capnp"), "--socket-addr", `http=127.0.0.1:${port}`],
    cwd: project,
    env: { ...env },
    url: `http://127.0.0.1:${port}`,
    pollPath: "/__sandprobe",
  });
}

/** deno run with network to 127.0.0.1 and reads of the project only: no env, no write, no run, no ffi. */
export function startDeno(project: string, env: WorkerEnv): Promise<Started> {
  // Deno's own cache, beside the project (removed with the fixture).
  const denoDir = join(dirname(project), ".deno-dir");
  return startProcess({
    command: denoBinary(),
    args: [
      "run",
      "--no-prompt",
      "--no-config",
      "--no-lock",
      "--no-remote",
      "--allow-net=127.0.0.1",
      `--allow-read=${project}`,
      launcher("deno-serve.js"),
      project,
      JSON.stringify({ ...env, SANDPROBE_RUNTIME: "deno" }),
    ],
    cwd: project,
    env: { DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    ready: listening,
  });
}

/** This node, serving the project through the node:http bridge. */
export function startNode(project: string, env: WorkerEnv): Promise<Started> {
  return startProcess({
    command: process.execPath,
    args: [launcher("node-serve.js"), project, JSON.stringify({ ...env, SANDPROBE_RUNTIME: "node" })],
    cwd: project,
    ready: listening,
  });
}

export const START: Record<RuntimeName, (project: string, env: WorkerEnv) => Promise<Started>> = {
  workerd: startWorkerd,
  deno: startDeno,
  node: startNode,
};
