// The service the W3C Trace Context validation suite drives (scripts/w3c-service.ts):
// each mode must forward what the suite checks, so a run of the public suite
// measures our propagation and not a broken harness service.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type ServiceMode, startW3cService } from "../../scripts/w3c-service.js";

const TRACE = "12345678901234567890123456789012";
const PARENT = "1234567890123456";

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A stand-in for the harness's callback endpoint: records the headers of each POST. */
async function receiver(): Promise<{ server: Server; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on("end", () => res.end("[]"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, seen };
}

async function drive(mode: ServiceMode, headers: Record<string, string>, calls: number) {
  const target = await receiver();
  const service = await startW3cService({ mode, port: 0 });
  try {
    const url = `http://127.0.0.1:${portOf(target.server)}/callback`;
    const response = await fetch(`http://127.0.0.1:${portOf(service)}/test`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(Array.from({ length: calls }, () => ({ url, arguments: [] }))),
    });
    assert.is(response.status, 200);
    await response.text();
    return target.seen;
  } finally {
    await close(service);
    await close(target.server);
  }
}

for (const mode of ["product", "propagator", "headers"] as const) {
  test(`${mode}: continues the caller's trace with a new parent id per call, random flag and tracestate kept`, async () => {
    const seen = await drive(mode, { traceparent: `00-${TRACE}-${PARENT}-03`, tracestate: "foo=1,bar=2" }, 2);
    assert.is(seen.length, 2);
    const parents = seen.map((headers) => String(headers.traceparent).split("-"));
    for (const [version, traceId, parentId, flags] of parents) {
      assert.is(version, "00");
      assert.is(traceId, TRACE);
      assert.is.not(parentId, PARENT);
      assert.is(flags, "03");
    }
    assert.is.not(parents[0]?.[2], parents[1]?.[2]);
    assert.equal(
      seen.map((headers) => headers.tracestate),
      ["foo=1,bar=2", "foo=1,bar=2"],
    );
  });

  test(`${mode}: an invalid traceparent starts a new trace and drops tracestate`, async () => {
    const seen = await drive(mode, { traceparent: `00-${"0".repeat(32)}-${PARENT}-01`, tracestate: "foo=1" }, 1);
    const [version, traceId] = String(seen[0]?.traceparent).split("-");
    assert.is(version, "00");
    assert.ok(/^[0-9a-f]{32}$/.test(traceId ?? "") && traceId !== "0".repeat(32), String(traceId));
    assert.is(seen[0]?.tracestate, undefined);
  });
}

test.run();
