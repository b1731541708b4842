// What the worker checks at startup, in-process: the bundle against the
// trust it carries and the pack-time pin, and every precompiled module
// against the verified bytes of its probe, sandboxed (the only view workerd allows).
// A refusal leaves the worker serving, and saying why.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  type EdgeTelemetry,
  type ExecutionContextLike,
  loadEdgeProbes,
  probedWorker,
  verifyEdgeProbes,
} from "../../host/adapters/edge/index.js";
import { describeError } from "../../host/errors.js";
import { sandboxedProbeBytes } from "../../host/load/prepare.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { parseBundle } from "../../host/trust/bundle/format.js";
import type { TrustConfig } from "../../host/trust/config.js";
import { sha256 } from "../../host/trust/signature/bytes.js";
import { publicKeyToPem } from "../../host/trust/signature/keys.js";
import { detachSignature } from "../../host/trust/signature/sign.js";
import { isVerifiedProbe } from "../../host/trust/verify-probe.js";
import { toHex } from "../../host/wasm/bytes.js";
import { CAPABILITIES } from "../../host/world/manifest.js";
import { makeBundle } from "../support/edge/fixture.js";
import { memoryTracing } from "../support/otel.js";
import { codeOf, testKey } from "../support/signing.js";

const key = await testKey(90);
const bundle = await makeBundle(key);
const trust: TrustConfig = {
  keys: [{ publicKey: publicKeyToPem(key.publicKey) }],
  grants: { "*": { capabilities: CAPABILITIES } },
};
const probes = parseBundle(bundle).probes;
const compiled: Record<string, WebAssembly.Module> = {};
// What sandprobe pack precompiles: each signed probe as the runtime runs it (limits capped, metered).
for (const p of probes)
  compiled[p.entry.name] = await WebAssembly.compile(sandboxedProbeBytes(p.bytes) as BufferSource);
const pin = { name: "edge-demo", version: "1.0.0", digest: toHex(await sha256(bundle)) };

function tampered(): Uint8Array {
  const copy = bundle.slice();
  copy[copy.length - 1] = (copy[copy.length - 1] as number) ^ 1;
  return copy;
}

test("modules compiled from the sandboxed signed probes pass; each source pairs the verified bytes with its module", async () => {
  const verified = await verifyEdgeProbes({ bundle, trust, pin, modules: compiled });
  assert.is(verified.sources.length, 3);
  for (const [i, source] of verified.sources.entries()) {
    const name = probes[i]?.entry.name as string;
    assert.ok("module" in source && source.module === compiled[name], name);
    assert.ok("probe" in source && isVerifiedProbe(source.probe), name);
  }
  // Without modules (Deno, Node) the verified probes are handed over to be compiled.
  const plain = await verifyEdgeProbes({ bundle: bundle.buffer as ArrayBuffer, trust, pin });
  assert.ok(plain.sources.every((s) => isVerifiedProbe(s)));
  // And the runtime loads the precompiled ones after checking each against its probe.
  const runtime = new ProbeRuntime({ tracerProvider: memoryTracing().provider });
  const loaded = await loadEdgeProbes(runtime, { bundle, trust, pin, modules: compiled });
  assert.equal(
    loaded.probes.map((p) => p.name),
    probes.map((p) => p.entry.name),
  );
});

/** What loading the worker's probes into a fresh runtime refuses with. */
function loadCode(assets: Parameters<typeof loadEdgeProbes>[1]): Promise<string> {
  return codeOf(() => loadEdgeProbes(new ProbeRuntime({ tracerProvider: memoryTracing().provider }), assets));
}

test("a module of another probe, a missing one or an extra one: E_MODULE_MISMATCH", async () => {
  const swapped = { ...compiled, latency: compiled.sampler as WebAssembly.Module };
  assert.is(await loadCode({ bundle, trust, modules: swapped }), "E_MODULE_MISMATCH");
  const { latency: _gone, ...missing } = compiled;
  assert.is(await codeOf(() => verifyEdgeProbes({ bundle, trust, modules: missing })), "E_MODULE_MISMATCH");
  const extra = { ...compiled, stowaway: compiled.latency as WebAssembly.Module };
  assert.is(await codeOf(() => verifyEdgeProbes({ bundle, trust, modules: extra })), "E_MODULE_MISMATCH");
});

test("the signed file compiled as it is, without metering, is refused: E_MODULE_MISMATCH", async () => {
  const unmetered = await WebAssembly.compile(probes[0]?.bytes as BufferSource);
  const modules = { ...compiled, latency: unmetered };
  assert.is(await loadCode({ bundle, trust, pin, modules }), "E_MODULE_MISMATCH");
});

test("the same code without its signature section is not the verified probe: E_MODULE_MISMATCH", async () => {
  // Same imports, exports and code: only the custom sections tell it apart.
  const unsigned = detachSignature(probes[0]?.bytes as Uint8Array).bytes;
  const modules = { ...compiled, latency: await WebAssembly.compile(sandboxedProbeBytes(unsigned) as BufferSource) };
  let message = "";
  try {
    await loadEdgeProbes(new ProbeRuntime({ tracerProvider: memoryTracing().provider }), { bundle, trust, modules });
  } catch (error) {
    message = describeError(error);
  }
  assert.match(message, /^E_MODULE_MISMATCH: .*"latency".*"signature" custom section/);
});

test("a tampered bundle, an untrusted signer, a different bundle than packed: refused with their codes", async () => {
  assert.is(await codeOf(() => verifyEdgeProbes({ bundle: tampered(), trust })), "E_SIGNATURE_INVALID");
  const stranger = await testKey(91);
  const strangerTrust = { ...trust, keys: [{ publicKey: publicKeyToPem(stranger.publicKey) }] };
  assert.is(await codeOf(() => verifyEdgeProbes({ bundle, trust: strangerTrust })), "E_KEY_UNKNOWN");
  // Validly signed, but not the bundle this worker was packed with (e.g. an older one).
  const other = await makeBundle(key, "1.0.1");
  assert.is(await codeOf(() => verifyEdgeProbes({ bundle: other, trust, pin })), "E_BUNDLE_MISMATCH");
  assert.is(await codeOf(() => verifyEdgeProbes({ bundle, trust: { keys: "x" } as never })), "E_POLICY");
});

function recordingTelemetry() {
  const tracing = memoryTracing();
  let flushes = 0;
  const telemetry: EdgeTelemetry = {
    tracerProvider: tracing.provider,
    flush: async () => {
      flushes++;
    },
  };
  return { tracing, telemetry, flushes: () => flushes };
}

function context(): ExecutionContextLike & { promises: Promise<unknown>[] } {
  const promises: Promise<unknown>[] = [];
  return { promises, waitUntil: (p) => promises.push(p) };
}

const app = {
  fetch: () => new Response("hello"),
  route: (_method: string, path: string) => (path === "/checkout" ? path : undefined),
};

test("a running worker: probes on every request, one flush per request handed to waitUntil", async () => {
  const { tracing, telemetry } = recordingTelemetry();
  const logs: string[] = [];
  const worker = probedWorker(app, { bundle, trust, pin, telemetry: () => telemetry, log: (m) => logs.push(m) });
  assert.is(worker.status().state, "starting");
  const ctx = context();
  const response = await worker.fetch(new Request("http://127.0.0.1/checkout"), {}, ctx);
  assert.is(await response.text(), "hello");
  assert.is(response.headers.get("sandprobe-probes"), null);
  assert.is(ctx.promises.length, 1);
  assert.is(worker.status().state, "running");
  assert.equal(
    worker.status().probes.map((p) => p.name),
    ["latency", "sampler", "slow-detector"],
  );
  assert.ok(tracing.byName("GET /checkout").length >= 2, "server span and latency span");
  assert.is(logs.length, 1);
  assert.match(logs[0] as string, '3 probe(s) running from bundle "edge-demo" 1.0.0');
  const status = await (await worker.fetch(new Request("http://127.0.0.1/__sandprobe"), {}, context())).json();
  assert.is(status.state, "running");
});

test("a tampered bundle: the app still answers every request, marked, and the worker says why once", async () => {
  const { tracing, telemetry } = recordingTelemetry();
  const logs: string[] = [];
  const worker = probedWorker(app, {
    bundle: tampered(),
    trust,
    pin,
    telemetry: () => telemetry,
    log: (m) => logs.push(m),
  });
  for (let i = 0; i < 3; i++) {
    const response = await worker.fetch(new Request("http://127.0.0.1/checkout"), {}, context());
    assert.is(response.status, 200);
    assert.is(await response.text(), "hello");
    assert.is(response.headers.get("sandprobe-probes"), "refused E_SIGNATURE_INVALID");
  }
  assert.is(logs.length, 1);
  assert.match(logs[0] as string, "probes refused, serving without them: E_SIGNATURE_INVALID");
  const status = worker.status();
  assert.is(status.state, "refused");
  assert.is(status.code, "E_SIGNATURE_INVALID");
  assert.equal(status.probes, []);
  // Only the host's server spans: no probe ran.
  assert.ok(tracing.spans().every((s) => s.instrumentationScope.name === "sandprobe"));
});

test("an app that throws: the error reaches the runtime, the request's spans are still flushed", async () => {
  const { telemetry } = recordingTelemetry();
  let flushed = 0;
  const worker = probedWorker(
    {
      fetch: () => {
        throw new Error("app bug");
      },
    },
    {
      bundle,
      trust,
      telemetry: () => ({ ...telemetry, flush: async () => void flushed++ }),
      log: () => {},
      statusPath: null,
    },
  );
  let message = "";
  try {
    await worker.fetch(new Request("http://127.0.0.1/__sandprobe"), {}, context());
  } catch (error) {
    message = (error as Error).message;
  }
  assert.is(message, "app bug", "with statusPath null the app sees /__sandprobe too");
  assert.is(flushed, 1);
});

test.run();
