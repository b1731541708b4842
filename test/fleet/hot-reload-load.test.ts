/**
 * Hot reload under load, end to end over 127.0.0.1: a real HTTP app with the
 * node adapter takes a few thousand concurrent requests while a real HTTP
 * bundle server publishes a new bundle every few hundred ms (valid ones,
 * tampered ones, validly signed rollbacks) and the host watches it through
 * httpBundleSource. Every request is answered; each request's spans come
 * from exactly one whole probe set; no span is lost; a refused bundle never
 * becomes visible, not even for one request, and leaves the running set,
 * the ledger and its store as they were.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { withProbes } from "../../host/adapters/node-http.js";
import { httpBundleSource } from "../../host/runtime/fleet/http-source.js";
import type { BundleOutcome } from "../../host/runtime/fleet/watch.js";
import { TrustedLoader } from "../../host/runtime/loader.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { memoryVersionStore, PersistedVersionLedger } from "../../host/trust/persisted-versions.js";
import { bundleServer, serveBytes } from "../support/bundle-server.js";
import { edgeBundle, FLEET_PROBES, tampered, until } from "../support/fleet.js";
import { memoryTracing } from "../support/otel.js";
import { openPolicy, testKey } from "../support/signing.js";

const MIN_REQUESTS = 3000;
const CONCURRENCY = 24;
/** How long each published bundle stays up at least (it also stays until the host has judged it). */
const DWELL_MS = 200;

type Step = { readonly version: string; readonly kind: "valid" | "tampered" | "rollback"; readonly expect: string };

/** What the publisher serves, in order; `expect` is the outcome the host must report. */
const SCHEDULE: readonly Step[] = [
  { version: "1.0.0", kind: "valid", expect: "1.0.0" },
  { version: "2.0.0", kind: "valid", expect: "2.0.0" },
  { version: "3.1.0", kind: "tampered", expect: "E_SIGNATURE_INVALID" },
  { version: "3.0.0", kind: "valid", expect: "3.0.0" },
  { version: "2.5.0", kind: "rollback", expect: "E_ROLLBACK" },
  { version: "4.0.0", kind: "valid", expect: "4.0.0" },
  { version: "5.1.0", kind: "tampered", expect: "E_SIGNATURE_INVALID" },
  { version: "1.5.0", kind: "rollback", expect: "E_ROLLBACK" },
  { version: "5.0.0", kind: "valid", expect: "5.0.0" },
  { version: "6.0.0", kind: "valid", expect: "6.0.0" },
  { version: "4.5.0", kind: "rollback", expect: "E_ROLLBACK" },
  { version: "7.0.0", kind: "valid", expect: "7.0.0" },
];

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

test("hot reload under load: every request answered, one whole set each, no span lost, refusals invisible", async () => {
  const key = await testKey(1);
  const bundles = [];
  for (const step of SCHEDULE) {
    const bytes = await edgeBundle(step.version, key);
    bundles.push(step.kind === "tampered" ? tampered(bytes) : bytes);
  }
  const store = memoryVersionStore();
  const policy = await openPolicy([key], { versions: await PersistedVersionLedger.open(store) });
  const tracing = memoryTracing();
  const runtime = new ProbeRuntime({ tracerProvider: tracing.provider });
  const loader = new TrustedLoader({ runtime, policy });

  // The app: every request answered 500 on a critical route, so each of the three probes emits one span.
  const app: Server = createServer(
    withProbes(
      runtime,
      (_req, res) => {
        res.statusCode = 500;
        res.end("failed on purpose");
      },
      { route: () => "/checkout/pay" },
    ),
  );
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  const appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/checkout/pay`;

  // The publisher: step i stays up DWELL_MS and until the host has reported on it, then step i + 1.
  let step = 0;
  const publisher = await bundleServer(serveBytes(bundles[0] as Uint8Array, '"0"'));
  const outcomes: BundleOutcome[] = [];
  const setAtOutcome: string[][] = [];
  let lastAccepted: string[] = [];
  const changedByRefusal: string[] = [];
  const source = httpBundleSource(publisher.url, { pollMs: 40, timeoutMs: 5_000 });
  const watch = loader.watch(source, {
    onOutcome: (outcome) => {
      outcomes.push(outcome);
      const now = runtime.probes().map((p) => p.version);
      setAtOutcome.push(now);
      if (outcome.kind === "accepted") lastAccepted = now;
      // A refusal leaves exactly the set that was live before it (checked after the run: the watch ignores what a callback throws).
      else if (now.join() !== lastAccepted.join()) changedByRefusal.push(`${outcome.code}: ${lastAccepted} -> ${now}`);
    },
  });
  const publishing = (async () => {
    for (step = 0; step < SCHEDULE.length; step++) {
      publisher.serve(serveBytes(bundles[step] as Uint8Array, `"${step}"`));
      const since = Date.now();
      await until(
        () => outcomes.length > step && Date.now() - since >= DWELL_MS,
        `an outcome for step ${step}`,
        60_000,
      );
    }
  })();

  // The traffic: a pool of clients until the schedule is done and at least MIN_REQUESTS were sent.
  await until(() => outcomes.length > 0, "the first bundle");
  let sent = 0;
  let published = false;
  void publishing.then(() => {
    published = true;
  });
  const answers = new Map<number, number>();
  const client = async () => {
    while (sent < MIN_REQUESTS || !published) {
      const i = sent++;
      const traceparent = `00-${hex(i + 1, 32)}-${hex(i + 1, 16)}-01`;
      const response = await fetch(appUrl, { method: "POST", headers: { traceparent } });
      await response.text();
      answers.set(i, response.status);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  await publishing;
  await watch.stop();
  await publisher.close();
  await new Promise((resolve) => app.close(resolve));

  // Every request answered, by the app.
  assert.is(answers.size, sent);
  assert.ok(sent >= MIN_REQUESTS, `${sent} requests`);
  assert.equal([...new Set(answers.values())], [500]);

  // The host reported each publication exactly as expected, in order.
  assert.equal(
    outcomes.map((o) => (o.kind === "accepted" ? o.bundle.version : o.code)),
    SCHEDULE.map((s) => s.expect),
  );
  assert.ok(source.status().notModified > 0, "unchanged bundles are 304s");

  // Each request saw exactly one whole set; no span lost; only accepted versions ever served.
  const accepted = new Set(SCHEDULE.filter((s) => s.kind === "valid").map((s) => s.version));
  const byTrace = new Map<string, string[]>();
  for (const span of tracing.spans()) {
    const scope = span.instrumentationScope;
    if (!FLEET_PROBES.includes(scope.name)) continue;
    const id = span.spanContext().traceId;
    byTrace.set(id, [...(byTrace.get(id) ?? []), `${scope.name}@${scope.version}`]);
  }
  assert.is(byTrace.size, sent, "every request has its probe spans");
  const served = new Map<string, number>();
  for (const [traceId, spans] of byTrace) {
    assert.equal(spans.map((s) => s.split("@")[0]).sort(), [...FLEET_PROBES].sort(), `${traceId}: ${spans}`);
    const versions = new Set(spans.map((s) => s.split("@")[1] as string));
    assert.is(versions.size, 1, `trace ${traceId} saw a mixed set: ${spans}`);
    const version = [...versions][0] as string;
    assert.ok(accepted.has(version), `trace ${traceId} ran on ${version}, which was never accepted`);
    served.set(version, (served.get(version) ?? 0) + 1);
  }
  assert.ok(served.size >= 3, `requests ran on several sets: ${JSON.stringify([...served])}`);

  // The ledger and its store moved only with accepted bundles.
  assert.is(policy.versions.get("bundle", "edge"), "7.0.0");
  assert.is(JSON.parse(store.values.get("sandprobe-versions") ?? "{}").bundle.edge, "7.0.0");
  assert.equal(
    runtime.probes().map((p) => p.version),
    ["7.0.0", "7.0.0", "7.0.0"],
  );
  const status = watch.status();
  assert.equal(
    { accepted: status.accepted, refused: status.refused, sourceErrors: status.sourceErrors },
    { accepted: accepted.size, refused: SCHEDULE.length - accepted.size, sourceErrors: 0 },
  );
  assert.equal(status.refusedBy, { E_SIGNATURE_INVALID: 2, E_ROLLBACK: 3 });
  assert.is(setAtOutcome.length, SCHEDULE.length);
  assert.equal(changedByRefusal, []);
});

test.run();
