/**
 * httpBundleSource against a real HTTP server on 127.0.0.1: a 200 delivers
 * the bytes, a 304 (If-None-Match with the last ETag) delivers nothing and
 * keeps polling, a 500, a slow answer, an oversized answer and a closed port
 * each reject with E_SOURCE and the reason, and back off before the next
 * try. A fleet host must survive every one of these without a change to
 * the running set; the watch tests show that part.
 */
import { createServer } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isSandprobeError } from "../../host/errors.js";
import { httpBundleSource } from "../../host/runtime/fleet/http-source.js";
import { backoffMs } from "../../host/runtime/fleet/source.js";
import { bundleServer, serveBytes } from "../support/bundle-server.js";

const BYTES = new Uint8Array(4096).map((_, i) => i % 251);
const signal = () => new AbortController().signal;

async function rejection(promise: Promise<unknown>): Promise<{ code: string; reason: unknown; status: unknown }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isSandprobeError(error), `untyped: ${String(error)}`);
    return { code: error.code, reason: error.detail.reason, status: error.detail.status };
  }
  throw new Error("resolved, expected a rejection");
}

test("200 delivers the bytes; then If-None-Match gets 304s and nothing is delivered until the bundle changes", async () => {
  const server = await bundleServer(serveBytes(BYTES, '"v1"'));
  try {
    const source = httpBundleSource(server.url, { pollMs: 20, headers: { authorization: "Bearer fleet-token" } });
    const first = await source.next(signal());
    assert.equal(first, BYTES);
    assert.is(server.seen[0]?.headers["if-none-match"], undefined);
    assert.is(server.seen[0]?.headers.authorization, "Bearer fleet-token");
    // The next call polls and gets 304s until the server has something new.
    const second = source.next(signal());
    while (server.seen.length < 4) await new Promise((r) => setTimeout(r, 10));
    const changed = BYTES.map((b) => b ^ 0xff);
    server.serve(serveBytes(changed, '"v2"'));
    assert.equal(await second, changed);
    const conditional = server.seen.slice(1, -1);
    assert.ok(conditional.length >= 3);
    for (const req of conditional) assert.is(req.headers["if-none-match"], '"v1"');
    const status = source.status();
    assert.ok(status.notModified >= 3, `${status.notModified} 304s`);
    assert.is(status.etag, '"v2"');
    assert.is(status.failures, 0);
  } finally {
    await server.close();
  }
});

test("500 rejects with E_SOURCE status 500, failures count up, a later 200 resets them", async () => {
  const server = await bundleServer((_req, res) => {
    res.writeHead(500);
    res.end("boom");
  });
  try {
    const source = httpBundleSource(server.url, { pollMs: 5, maxBackoffMs: 40 });
    assert.equal(await rejection(source.next(signal())), { code: "E_SOURCE", reason: "status", status: 500 });
    assert.equal(await rejection(source.next(signal())), { code: "E_SOURCE", reason: "status", status: 500 });
    assert.is(source.status().failures, 2);
    server.serve(serveBytes(BYTES, '"v1"'));
    assert.equal(await source.next(signal()), BYTES);
    assert.is(source.status().failures, 0);
    // Other statuses than 200/304 are errors too, never bundles.
    server.serve((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    assert.equal(await rejection(source.next(signal())), { code: "E_SOURCE", reason: "status", status: 404 });
  } finally {
    await server.close();
  }
});

test("a slow answer times out: headers that never come, and a body that trickles past the timeout", async () => {
  const server = await bundleServer(() => {
    // never answers
  });
  try {
    const source = httpBundleSource(server.url, { pollMs: 5, timeoutMs: 150, maxBackoffMs: 10 });
    assert.equal(await rejection(source.next(signal())), { code: "E_SOURCE", reason: "timeout", status: undefined });
    server.serve((_req, res) => {
      res.writeHead(200, { "content-length": BYTES.length });
      res.write(BYTES.subarray(0, 100));
      const timer = setInterval(() => res.write(BYTES.subarray(0, 1)), 50);
      res.on("close", () => clearInterval(timer));
    });
    assert.equal(await rejection(source.next(signal())), { code: "E_SOURCE", reason: "timeout", status: undefined });
  } finally {
    await server.close();
  }
});

test("an oversized answer is refused: by Content-Length before reading, and mid-stream when chunked", async () => {
  const big = new Uint8Array(64 * 1024);
  const server = await bundleServer(serveBytes(big, '"big"'));
  try {
    const source = httpBundleSource(server.url, { pollMs: 5, maxBytes: 16 * 1024, maxBackoffMs: 10 });
    assert.equal(await rejection(source.next(signal())), { code: "E_SOURCE", reason: "too-large", status: undefined });
    let written = 0;
    let closedEarly = false;
    server.serve((_req, res) => {
      res.writeHead(200); // no Content-Length: chunked, the size shows only while it streams
      const timer = setInterval(() => {
        written += 8192;
        res.write(new Uint8Array(8192));
        if (written >= 10 * 1024 * 1024) {
          clearInterval(timer);
          res.end();
        }
      }, 1);
      res.on("close", () => {
        clearInterval(timer);
        closedEarly = written < 10 * 1024 * 1024;
      });
    });
    assert.equal(await rejection(source.next(signal())), { code: "E_SOURCE", reason: "too-large", status: undefined });
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(closedEarly, `the client read ${written} bytes instead of hanging up`);
  } finally {
    await server.close();
  }
});

test("a closed port is a network error; stopping aborts a wait at once", async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  const source = httpBundleSource(`http://127.0.0.1:${port}/bundle.spb`, { pollMs: 60_000, maxBackoffMs: 60_000 });
  assert.equal(await rejection(source.next(signal())), { code: "E_SOURCE", reason: "network", status: undefined });
  // The next attempt waits a backoff of up to a minute; aborting ends it now, with the signal's reason.
  const controller = new AbortController();
  const waiting = source.next(controller.signal);
  const reason = new Error("stopped");
  controller.abort(reason);
  try {
    await waiting;
    assert.unreachable("resolved");
  } catch (error) {
    assert.is(error, reason);
  }
});

test("backoff grows exponentially to its cap, with half of it jittered", () => {
  assert.is(
    backoffMs(1, 100, 10_000, () => 0),
    100,
  );
  assert.is(
    backoffMs(1, 100, 10_000, () => 0.999_999),
    199.9999,
  );
  assert.is(
    backoffMs(3, 100, 10_000, () => 0),
    400,
  );
  assert.is(
    backoffMs(20, 100, 10_000, () => 0),
    5_000,
  );
  assert.ok(backoffMs(20, 100, 10_000, () => 0.999_999) < 10_000);
  assert.is(
    backoffMs(1_000, 100, 10_000, () => 0.5),
    7_500,
  );
});

test("bad options are typed errors", () => {
  for (const options of [{ pollMs: 0 }, { maxBytes: -1 }, { timeoutMs: Number.NaN }]) {
    try {
      httpBundleSource("http://127.0.0.1:1/", options);
      assert.unreachable(JSON.stringify(options));
    } catch (error) {
      assert.ok(isSandprobeError(error, "E_POLICY"), String(error));
    }
  }
});

test.run();
