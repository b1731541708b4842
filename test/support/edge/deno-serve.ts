/**
 * Serve a packed worker project under Deno with Deno.serve: the same app.mjs
 * workerd runs, fed the signed bundle from sandprobe/bundle.bin (Deno
 * compiles the verified probe bytes itself). Run with least permissions:
 *
 *   deno run --allow-net=127.0.0.1 --allow-read=PROJECT_DIR deno-serve.js PROJECT_DIR ENV_JSON
 * prints "listening http://127.0.0.1:PORT" once it accepts requests.
 */

interface DenoApi {
  readonly args: readonly string[];
  readFile(path: string): Promise<Uint8Array>;
  serve(
    options: { hostname: string; port: number; onListen(addr: { port: number }): void },
    handler: (request: Request) => Promise<Response>,
  ): unknown;
}

interface PackedApp {
  createWorker(assets: { bundle: Uint8Array }): {
    fetch(request: Request, env: unknown, ctx: undefined): Promise<Response>;
  };
}

declare const Deno: DenoApi;

const [dir, envJson] = Deno.args;
if (!dir) throw new Error("usage: deno-serve.js PROJECT_DIR [ENV_JSON]");
const env = JSON.parse(envJson ?? "{}") as Record<string, string>;
const app = (await import(new URL(`file://${dir}/app.mjs`).href)) as PackedApp;
const worker = app.createWorker({ bundle: await Deno.readFile(`${dir}/sandprobe/bundle.bin`) });
Deno.serve(
  {
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`listening http://127.0.0.1:${port}`),
  },
  (request) => worker.fetch(request, env, undefined),
);
