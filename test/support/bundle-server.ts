import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1 whose answer a test swaps at will; it records every request's headers. */
export async function bundleServer(initial: Handler) {
  let handler = initial;
  const seen: { url: string; headers: IncomingMessage["headers"] }[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/bundle.spb`,
    seen,
    serve(next: Handler) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answer 200 with `bytes` and an ETag, or 304 when the client already has that ETag. */
export function serveBytes(bytes: Uint8Array, etag: string): Handler {
  return (req, res) => {
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(200, { etag, "content-type": "application/wasm", "content-length": bytes.length });
    res.end(bytes);
  };
}
