/**
 * Serve a packed worker project under Node: the same app.mjs workerd runs,
 * fed the signed bundle from sandprobe/bundle.bin (Node compiles the verified
 * probe bytes itself), behind a small node:http <-> fetch bridge.
 *
 *   node node-serve.js PROJECT_DIR ENV_JSON
 * prints "listening http://127.0.0.1:PORT" once it accepts requests.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

interface PackedApp {
  createWorker(assets: { bundle: Uint8Array }): {
    fetch(request: Request, env: unknown, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<Response>;
  };
}

async function body(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of req) chunks.push(chunk as Uint8Array);
  return new Uint8Array(Buffer.concat(chunks));
}

const [dir, envJson] = process.argv.slice(2);
if (!dir) throw new Error("usage: node-serve.js PROJECT_DIR [ENV_JSON]");
const env = JSON.parse(envJson ?? "{}") as Record<string, string>;
const app = (await import(pathToFileURL(join(dir, "app.mjs")).href)) as PackedApp;
const worker = app.createWorker({ bundle: new Uint8Array(await readFile(join(dir, "sandprobe", "bundle.bin"))) });

const server = createServer((req, res) => {
  void (async () => {
    const headers = new Headers();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    const data = await body(req);
    const request = new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`, {
      method: req.method ?? "GET",
      headers,
      ...(data ? { body: data } : {}),
    });
    const response = await worker.fetch(request, env, { waitUntil: (p) => void p.catch(() => {}) });
    res.writeHead(response.status, [...response.headers].flat());
    res.end(new Uint8Array(await response.arrayBuffer()));
  })().catch((error) => {
    res.writeHead(500).end(String(error));
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  console.log(`listening http://127.0.0.1:${port}`);
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
