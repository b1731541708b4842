/**
 * Requests per second of the example worker in real workerd, with and
 * without probes, in the same run, driven by a loopback load generator in
 * Node (keep-alive connections, a fixed number of requests in flight,
 * bounded by count and by time). Three workerd processes, one per variant:
 *
 *   baseline        the example app alone (no sandprobe, no OpenTelemetry)
 *   probes          packed with the signed bundle; no OTLP URL, so spans go
 *                   to the API's no-op tracer (the probes' own cost)
 *   empty-probe     packed with a bundle of one probe whose hooks do nothing
 *                   (probes/bench/empty.ts): the adapter, the runtime and one
 *                   hook dispatch, without the example probes' own work
 *   probes+otlp     the same, exporting every request's spans over OTLP/HTTP
 *                   to a sink on 127.0.0.1 that answers 200 and discards
 *   probes+otlp/20ms  the same, requests' spans gathered for 20 ms per export
 *                   (SANDPROBE_OTLP_LINGER_MS=20)
 *   js-twin, js-twin+otlp, js-twin+otlp/20ms
 *                   the same app instrumented in plain JavaScript with the
 *                   same spans and the same OTLP setup (test/support/edge/
 *                   twin-worker.ts): what the probes cost against doing their
 *                   work without a sandbox (issue 12)
 *
 * Rounds alternate the variants so drift hits all alike; the result per
 * variant is the median over rounds. The per-request overhead is
 * 1/rps(variant) - 1/rps(baseline) within each round (the baseline measured
 * next to it), median over rounds with its interquartile range: workerd runs
 * a worker on one thread, so at saturation that is the extra time each
 * request holds it. The load generator shares the machine's cores. Each
 * exporting variant sends to its own path of the sink, which decodes
 * nothing but counts requests and bytes per variant, so a variant that
 * silently exported nothing shows.
 *
 *   node dist/bench/edge.js [--rounds N] [--requests N] [--concurrency N] [--json]
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createBundle } from "../host/trust/bundle/create.js";
import { signModule } from "../host/trust/signature/sign.js";
import { BUNDLE_NAME, edgeFixture, packExample } from "../test/support/edge/fixture.js";
import { baselineProject, twinProject } from "../test/support/edge/plain-project.js";
import type { Started } from "../test/support/edge/processes.js";
import { startWorkerd } from "../test/support/edge/runtimes.js";
import { builtProbe } from "./context.js";

export interface EdgeBenchOptions {
  readonly rounds?: number;
  readonly requests?: number;
  readonly concurrency?: number;
  /** Upper bound on one round of one variant. */
  readonly roundMs?: number;
}

export interface VariantResult {
  readonly name: string;
  readonly rps: number;
  readonly rpsRounds: readonly number[];
  /** Extra microseconds per request over the baseline (0 for the baseline): median of per-round differences. */
  readonly overheadUs: number;
  readonly overheadLowUs: number;
  readonly overheadHighUs: number;
  readonly errors: number;
  /** CPU time of the workerd process per request (all its threads, from /proc schedstat), median over rounds. */
  readonly cpuUsPerRequest: number;
  /** The same, per round (rounds alternate the variants: compare round r with round r). */
  readonly cpuRounds: readonly number[];
  /** cpuUsPerRequest minus the baseline's, per round, median. */
  readonly cpuOverheadUs: number;
  /** OTLP requests and body bytes the sink received from this variant (0 for variants that do not export). */
  readonly exported: { readonly requests: number; readonly bytes: number };
}

/** Nanoseconds on CPU of every thread of `pid` (Linux /proc/<pid>/task/<tid>/schedstat); NaN elsewhere. */
async function processCpuNs(pid: number): Promise<number> {
  try {
    let total = 0;
    for (const tid of await readdir(`/proc/${pid}/task`)) {
      const stat = await readFile(`/proc/${pid}/task/${tid}/schedstat`, "utf8").catch(() => "0");
      total += Number(stat.split(" ")[0]);
    }
    return total;
  } catch {
    return Number.NaN;
  }
}

const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/** Send `count` GETs with `concurrency` in flight (or stop at the deadline); returns requests per second. */
async function drive(
  url: string,
  count: number,
  concurrency: number,
  deadlineMs: number,
): Promise<{ rps: number; errors: number; done: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  let sent = 0;
  let done = 0;
  let errors = 0;
  const t0 = performance.now();
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          headers: { traceparent: TRACEPARENT },
        },
        (res) => {
          if (res.statusCode !== 200) errors++;
          res.resume();
          res.once("end", () => resolve());
        },
      );
      req.once("error", () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const lane = async () => {
    while (sent < count && performance.now() - t0 < deadlineMs) {
      sent++;
      await one();
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { rps: done / seconds, errors, done };
}

/** An OTLP sink that answers 200 and discards; counts requests and bytes per first path segment (the variant). */
async function discardSink(): Promise<{
  urlFor(variant: string): string;
  close(): Promise<void>;
  count(): number;
  received(variant: string): { requests: number; bytes: number };
}> {
  const received = new Map<string, { requests: number; bytes: number }>();
  let requests = 0;
  const server = createServer((req, res) => {
    const variant = decodeURIComponent((req.url ?? "/").split("/")[1] ?? "");
    let bytes = 0;
    req.on("data", (chunk: Uint8Array) => {
      bytes += chunk.length;
    });
    req.once("end", () => {
      requests++;
      const seen = received.get(variant) ?? { requests: 0, bytes: 0 };
      received.set(variant, { requests: seen.requests + 1, bytes: seen.bytes + bytes });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    urlFor: (variant) => `http://127.0.0.1:${port}/${encodeURIComponent(variant)}/v1/traces`,
    count: () => requests,
    received: (variant) => received.get(variant) ?? { requests: 0, bytes: 0 },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo);
}

const median = (values: readonly number[]) => quantile(values, 0.5);

export async function edgeBench(options: EdgeBenchOptions = {}): Promise<{
  variants: VariantResult[];
  exports: number;
  settings: Required<EdgeBenchOptions>;
}> {
  const settings = {
    rounds: options.rounds ?? 9,
    requests: options.requests ?? 1000,
    concurrency: options.concurrency ?? 8,
    roundMs: options.roundMs ?? 10_000,
  };
  const fixture = await edgeFixture();
  const sink = await discardSink();
  const workers: Started[] = [];
  try {
    const probed = (await packExample(fixture, "probed")).outDir;
    // One probe whose hooks do nothing: what the adapter, the runtime and one hook dispatch cost on their own.
    const emptyBundle = join(fixture.dir, "empty.bundle");
    const empty = (await signModule(await builtProbe("bench", "empty"), fixture.key)).bytes;
    await writeFile(
      emptyBundle,
      await createBundle({ name: BUNDLE_NAME, version: "1.0.0", probes: [empty] }, fixture.key),
    );
    const emptyProbe = (await packExample(fixture, "empty-probe", { bundle: emptyBundle })).outDir;
    const variants: { name: string; worker: Started }[] = [];
    const start = async (name: string, project: string, env: Record<string, string>) => {
      const worker = await startWorkerd(project, env);
      workers.push(worker);
      variants.push({ name, worker });
    };
    const twin = await twinProject(join(fixture.dir, "js-twin"));
    const linger = { SANDPROBE_OTLP_LINGER_MS: "20" };
    await start("baseline", await baselineProject(join(fixture.dir, "baseline")), {});
    await start("probes", probed, {});
    await start("empty-probe", emptyProbe, {});
    await start("probes+otlp", probed, { SANDPROBE_OTLP_URL: sink.urlFor("probes+otlp") });
    await start("probes+otlp/20ms", probed, { SANDPROBE_OTLP_URL: sink.urlFor("probes+otlp/20ms"), ...linger });
    await start("js-twin", twin, {});
    await start("js-twin+otlp", twin, { SANDPROBE_OTLP_URL: sink.urlFor("js-twin+otlp") });
    await start("js-twin+otlp/20ms", twin, { SANDPROBE_OTLP_URL: sink.urlFor("js-twin+otlp/20ms"), ...linger });

    const rounds = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const cpu = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const errors = new Map<string, number>(variants.map((v) => [v.name, 0]));
    // Warm up every variant (JIT, first-request verification), then measure.
    for (const v of variants) await drive(`${v.worker.url}/checkout`, 300, settings.concurrency, settings.roundMs);
    for (let r = 0; r < settings.rounds; r++) {
      const order = r % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) {
        const cpu0 = await processCpuNs(v.worker.pid);
        const result = await drive(
          `${v.worker.url}/checkout`,
          settings.requests,
          settings.concurrency,
          settings.roundMs,
        );
        const cpuNs = (await processCpuNs(v.worker.pid)) - cpu0;
        cpu.get(v.name)?.push(cpuNs / 1e3 / Math.max(1, result.done));
        rounds.get(v.name)?.push(result.rps);
        errors.set(v.name, (errors.get(v.name) ?? 0) + result.errors);
      }
    }
    const base = rounds.get("baseline") ?? [];
    const baseCpu = cpu.get("baseline") ?? [];
    const cpuOverheads = (name: string) => (cpu.get(name) ?? []).map((us, r) => us - (baseCpu[r] as number));
    const overheads = (name: string) => (rounds.get(name) ?? []).map((rps, r) => 1e6 / rps - 1e6 / (base[r] as number));
    return {
      settings,
      exports: sink.count(),
      variants: variants.map((v) => {
        const rps = median(rounds.get(v.name) ?? []);
        return {
          name: v.name,
          rps,
          rpsRounds: rounds.get(v.name) ?? [],
          overheadUs: median(overheads(v.name)),
          overheadLowUs: quantile(overheads(v.name), 0.25),
          overheadHighUs: quantile(overheads(v.name), 0.75),
          errors: errors.get(v.name) ?? 0,
          cpuUsPerRequest: median(cpu.get(v.name) ?? []),
          cpuRounds: cpu.get(v.name) ?? [],
          cpuOverheadUs: median(cpuOverheads(v.name)),
          exported: sink.received(v.name),
        };
      }),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await sink.close();
    await fixture.remove();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      json: { type: "boolean" },
      rounds: { type: "string" },
      requests: { type: "string" },
      concurrency: { type: "string" },
    },
  });
  const result = await edgeBench({
    ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
    ...(values.requests ? { requests: Number(values.requests) } : {}),
    ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
  });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else {
    const { rounds, requests, concurrency } = result.settings;
    console.log(
      `workerd, GET /checkout with traceparent; ${rounds} rounds x ${requests} requests, ${concurrency} in flight, loopback`,
    );
    for (const v of result.variants) {
      const range = `[${v.overheadLowUs.toFixed(1)}, ${v.overheadHighUs.toFixed(1)}]`;
      const overhead = v.name === "baseline" ? "" : `  +${v.overheadUs.toFixed(1)} us/request ${range}`;
      const spread = v.rpsRounds.map((x) => x.toFixed(0)).join(" ");
      console.log(`${v.name.padEnd(17)} ${v.rps.toFixed(0).padStart(7)} req/s${overhead}  [rounds: ${spread}]`);
      console.log(
        `${"".padEnd(17)} workerd CPU ${v.cpuUsPerRequest.toFixed(1)} us/request (+${v.cpuOverheadUs.toFixed(1)} us over the baseline)`,
      );
      if (v.exported.requests > 0) {
        console.log(`${"".padEnd(17)} exported ${v.exported.requests} OTLP requests, ${v.exported.bytes} bytes`);
      }
      if (v.errors > 0) console.log(`  ${v.errors} non-200 answers`);
    }
    console.log(`OTLP export requests received by the sink: ${result.exports}`);
  }
}
