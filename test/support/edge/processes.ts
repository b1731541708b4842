/**
 * Child processes for the runtime tests: started with explicit arguments,
 * watched for their "listening" line, and always stopped by their own pid
 * (SIGTERM, then SIGKILL), also when a test fails or the test process exits.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

export interface Started {
  readonly url: string;
  readonly pid: number;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Finds the base URL in the output once the process listens... */
  readonly ready?: (output: string) => string | undefined;
  /** ...or: the base URL, ready once `GET pollPath` answers (workerd prints nothing when it listens). */
  readonly url?: string;
  readonly pollPath?: string;
  /** Guard against a process that never gets ready (not an assertion). */
  readonly timeoutMs?: number;
}

export function startProcess(options: StartOptions): Promise<Started> {
  installExitHook();
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  let exited: Promise<void> | undefined;
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", () => running.delete(child));
  const stop = (): Promise<void> => {
    exited ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exit;
      clearTimeout(timer);
    })();
    return exited;
  };
  return new Promise<Started>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      void stop().then(() =>
        reject(new Error(`${options.command} did not get ready in ${options.timeoutMs ?? 15000} ms:\n${output}`)),
      );
    }, options.timeoutMs ?? 15_000);
    const succeed = (url: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ url, pid: child.pid as number, output: () => output, stop });
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const url = settled ? undefined : options.ready?.(output);
      if (url !== undefined) succeed(url);
    };
    if (options.url !== undefined) {
      const url = options.url;
      const poll = async () => {
        while (!settled) {
          try {
            const response = await fetch(`${url}${options.pollPath ?? "/"}`);
            await response.arrayBuffer();
            return succeed(url);
          } catch {
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      };
      void poll();
    }
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${options.command} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

/** A port nobody listens on right now (for workerd, which takes its address from the command line). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const require = createRequire(import.meta.url);

/** The workerd binary from the npm package's platform dependency (npm 11 skips its postinstall). */
export function workerdBinary(): string {
  const arch = process.arch === "x64" ? "64" : process.arch;
  return require.resolve(`@cloudflare/workerd-${process.platform}-${arch}/bin/workerd`);
}

/** The deno binary from the npm package's platform dependency. */
export function denoBinary(): string {
  const platform = process.platform === "linux" ? `linux-${process.arch}-glibc` : `${process.platform}-${process.arch}`;
  return require.resolve(`@deno/${platform}/deno`);
}
