/**
 * `npm run demo`: load the example probes, serve a small HTTP app on
 * 127.0.0.1, drive a few hundred requests through it (some carrying a W3C
 * traceparent, some slow, some failing) and show what the probes emitted.
 * By default spans stay in memory and are printed as trees; with
 * `--otlp URL` (or OTEL_EXPORTER_OTLP_ENDPOINT) spans, logs and metrics go
 * to that OTLP/HTTP endpoint through the official exporters.
 */
import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { withProbes } from "../host/adapters/node-http.js";
import { createNodeTelemetry } from "../host/adapters/otel-node.js";
import { CAPABILITIES, createBundle, generateKeyPair, signModule } from "../host/cli/tooling.js";
import { createTrustPolicy, ProbeRuntime, type RequestScope, TrustedLoader } from "../host/index.js";
import { traceTree } from "./demo-report.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "300" },
    concurrency: { type: "string", default: "16" },
    trees: { type: "string", default: "4" },
    /** OTLP/HTTP base endpoint, e.g. http://127.0.0.1:4318 (default: OTEL_EXPORTER_OTLP_ENDPOINT, else in memory). */
    otlp: { type: "string" },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);

// The outermost layer: command line first, then the OTEL_* environment, else in memory.
const otlp = values.otlp ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
const telemetry = await createNodeTelemetry({
  resource: { serviceName: "sandprobe-demo", serviceVersion: "0.1.0", environment: "demo", bundleVersion: "1.0.0" },
  export: values.otlp ? { otlp: { endpoint: values.otlp } } : otlp ? undefined : "memory",
  batch: { scheduledDelayMillis: 200 },
});
for (const warning of telemetry.warnings) console.warn(`warning: ${warning}`);
const runtime = new ProbeRuntime({ ...telemetry.runtimeOptions });

// Sign the example probes with a development key made on the spot, pack them
// into a signed bundle, and load it through the trust policy, as an operator would.
const dir = "build/probes/examples";
const files = (await readdir(dir)).filter((f) => f.endsWith(".wasm")).sort();
// The sampler decides first, so the other probes' spans follow its decision.
files.sort((a, b) => (a.startsWith("sampler") ? -1 : b.startsWith("sampler") ? 1 : a.localeCompare(b)));
const devKey = await generateKeyPair();
const signed = await Promise.all(
  files.map(async (f) => (await signModule(new Uint8Array(await readFile(`${dir}/${f}`)), devKey.secretKey)).bytes),
);
const bundle = await createBundle({ name: "demo", version: "1.0.0", probes: signed }, devKey.secretKey);
const policy = await createTrustPolicy({
  keys: [{ name: "dev", publicKey: devKey.publicKey }],
  grants: { "*": { capabilities: CAPABILITIES } },
});
const loadedBundle = await new TrustedLoader({ runtime, policy }).loadBundle(bundle);
console.log(
  `loaded signed bundle ${loadedBundle.name}@${loadedBundle.version} (${bundle.length} bytes, ` +
    `signed by ${loadedBundle.signers.map((s) => `${s.name} ${s.keyId}`).join(", ")}): ` +
    loadedBundle.probes.map((p) => `${p.name}@${p.version}`).join(", "),
);

// Probe cost per request: time spent inside the probes' hooks (and ending
// their spans), measured here, not in the runtime. The median is the steady
// cost; the mean also carries warm-up and the GC pauses the load generator's
// own garbage triggers while a hook happens to run.
const probeNsPerRequest = new Map<RequestScope, number>();
const timed = (scope: RequestScope) => {
  probeNsPerRequest.set(scope, 0);
  for (const name of ["request", "response", "end"] as const) {
    const original = scope[name].bind(scope) as (status?: number) => void;
    scope[name] = ((status?: number) => {
      const t0 = performance.now();
      original(status);
      probeNsPerRequest.set(scope, (probeNsPerRequest.get(scope) ?? 0) + (performance.now() - t0) * 1e6);
    }) as never;
  }
  return scope;
};
const begin = runtime.begin.bind(runtime);
runtime.begin = (info) => timed(begin(info));

const ROUTES: [RegExp, string][] = [
  [/^\/users\/[^/]+$/, "/users/:id"],
  [/^\/checkout$/, "/checkout"],
  [/^\/slow$/, "/slow"],
  [/^\/fail$/, "/fail"],
];
const route = (_method: string, path: string) => ROUTES.find(([re]) => re.test(path))?.[1];

const server = createServer(
  withProbes(
    runtime,
    (req, res) => {
      const path = req.url ?? "/";
      if (path === "/slow") {
        setTimeout(() => res.end("slow\n"), 300);
      } else if (path === "/fail") {
        res.statusCode = 500;
        res.end("failed\n");
      } else {
        res.end("ok\n");
      }
    },
    { route, traceResponse: true },
  ),
);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const hex = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");

function planRequest(i: number): { path: string; traceparent?: string } {
  const path = i % 50 === 7 ? "/slow" : i % 10 === 3 ? "/fail" : i % 7 === 0 ? "/checkout" : `/users/${i}`;
  // Two in three carry a sampled traceparent from an upstream service.
  return i % 3 === 2 ? { path } : { path, traceparent: `00-${hex(16)}-${hex(8)}-01` };
}

let done = 0;
let failedRequests = 0;
const started = performance.now();
async function worker(indices: number[]) {
  for (const i of indices) {
    const plan = planRequest(i);
    const headers: Record<string, string> = plan.traceparent ? { traceparent: plan.traceparent } : {};
    const response = await fetch(base + plan.path, { headers });
    await response.text();
    if (!response.ok && plan.path !== "/fail") failedRequests++;
    done++;
  }
}
const lanes: number[][] = Array.from({ length: CONCURRENCY }, () => []);
for (let i = 0; i < REQUESTS; i++) lanes[i % CONCURRENCY]?.push(i);
await Promise.all(lanes.map(worker));
const elapsedMs = performance.now() - started;
await new Promise<void>((resolve) => server.close(() => resolve()));

await telemetry.forceFlush(5000);
const spans = telemetry.memory?.spans.getFinishedSpans() ?? [];
const byTrace = new Map<string, typeof spans>();
for (const span of spans) {
  const id = span.spanContext().traceId;
  byTrace.set(id, [...(byTrace.get(id) ?? []), span]);
}
const interesting = [...byTrace.values()]
  .sort((a, b) => b.length - a.length || (a[0]?.name ?? "").localeCompare(b[0]?.name ?? ""))
  .slice(0, Number(values.trees));
for (const group of interesting) {
  console.log(`\ntrace ${group[0]?.spanContext().traceId}`);
  for (const line of traceTree(group)) console.log(`  ${line}`);
}

const stats = runtime.stats();
const probeSpans = spans.filter((s) => s.instrumentationScope.name !== "sandprobe").length;
const errors = Object.values(stats).reduce((n, s) => n + s.failures, 0);
const perProbe = Object.entries(stats)
  .map(([name, s]) => `${name}: ${s.invocations} calls, ${s.spansEnded} spans, ${s.failures} errors`)
  .join("; ");
console.log(`\nprobes: ${perProbe}`);
const costs = [...probeNsPerRequest.values()].map((ns) => ns / 1000).sort((a, b) => a - b);
console.log(
  `summary: ${done} requests (${failedRequests} unexpected failures) in ${elapsedMs.toFixed(0)} ms, ` +
    `${spans.length} spans (${probeSpans} from probes) in ${byTrace.size} traces, ${errors} probe errors, ` +
    `probe cost per request: median ${(costs[costs.length >> 1] ?? 0).toFixed(1)} us, mean ${(costs.reduce((a, b) => a + b, 0) / Math.max(1, costs.length)).toFixed(1)} us`,
);
if (failedRequests > 0 || done !== REQUESTS) process.exitCode = 1;
for (const [name, s] of Object.entries(stats)) if (s.lastError) console.log(`last error of ${name}: ${s.lastError}`);

// Flush and stop the pipeline (once, bounded), then show where every probe span went.
const shutdown = await telemetry.shutdown(10_000);
if (otlp)
  console.log(`exported to ${otlp}: ${shutdown.ok ? "ok" : `failed (${shutdown.errors.map(String).join("; ")})`}`);
for (const [name, account] of Object.entries(telemetry.ledger.snapshot())) {
  const drops = Object.entries(account.spans.dropped)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => ` + ${n} ${reason}`)
    .join("");
  console.log(
    `accounting ${name}: ${account.spans.emitted} spans emitted = ${account.spans.exported} exported${drops}`,
  );
}
