/**
 * A fleet host under Deno, for test/fleet/deno-source.test.ts: the
 * web-standard pieces only (httpBundleSource, PersistedVersionLedger over a
 * memory store, TrustedLoader.watch), bundled by esbuild for the browser
 * platform and run with network access to 127.0.0.1 and nothing else. It
 * prints each outcome as a JSON line and exits after COUNT outcomes.
 *
 *   deno run --allow-net=127.0.0.1 fleet-deno.mjs URL PUBLIC_KEY_PEM COUNT
 */

import { httpBundleSource } from "../../host/runtime/fleet/http-source.js";
import { TrustedLoader } from "../../host/runtime/loader.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { memoryVersionStore, PersistedVersionLedger } from "../../host/trust/persisted-versions.js";
import { createTrustPolicy } from "../../host/trust/policy.js";
import { CAPABILITIES } from "../../host/world/manifest.js";

interface DenoLike {
  readonly args: readonly string[];
  exit(code: number): never;
}

const deno = (globalThis as { Deno?: DenoLike }).Deno;
if (!deno) throw new Error("run this under deno");
const [url, pem, count] = deno.args as [string, string, string];
const store = memoryVersionStore();
const policy = await createTrustPolicy({
  keys: [{ publicKey: pem }],
  grants: { "*": { capabilities: CAPABILITIES, headers: ["*"] } },
  versions: await PersistedVersionLedger.open(store),
});
const runtime = new ProbeRuntime({ trust: policy });
const loader = new TrustedLoader({ runtime, policy });
let seen = 0;
const watch = loader.watch(httpBundleSource(url, { pollMs: 20, maxBackoffMs: 40 }), {
  onOutcome: (o) => {
    const line =
      o.kind === "accepted"
        ? { kind: o.kind, version: o.bundle.version, persisted: o.persisted }
        : { kind: o.kind, code: o.code };
    console.log(JSON.stringify({ ...line, live: runtime.probes().map((p) => `${p.name}@${p.version}`) }));
    if (++seen >= Number(count)) {
      void watch.stop().then(() => {
        console.log(JSON.stringify({ stored: JSON.parse(store.values.get("sandprobe-versions") ?? "null") }));
        deno.exit(0);
      });
    }
  },
});
