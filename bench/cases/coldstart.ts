/**
 * Case 5, cold start: parse + verify signature + instrument + compile +
 * instantiate, for generated probes of 1 KB, 10 KB, 100 KB and 1 MB and for
 * a 16-probe signed bundle, phase by phase; plus the 10 KB probe end to end
 * through TrustedLoader, on freshly signed bytes every run.
 */

import { bundlePhases, coldStart, probePhases, withNonce } from "../../host/cli/bench/cases.js";
import { sample } from "../../host/cli/bench/harness.js";
import { type Breakdown, type CaseResult, formatValue, type Row } from "../../host/cli/bench/report.js";
import { admitProbe } from "../../host/load/admit.js";
import { TrustedLoader } from "../../host/runtime/loader.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { createBundle } from "../../host/trust/bundle/create.js";
import { createTrustPolicy } from "../../host/trust/policy.js";
import { generateKeyPair } from "../../host/trust/signature/keys.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { CAPABILITIES } from "../../host/world/manifest.js";
import { type BenchContext, builtProbe } from "../context.js";
import { renamed, sizedProbe } from "../generate.js";

const SIZES = [
  { label: "1 KB", bytes: 1_000, runs: 40 },
  { label: "10 KB", bytes: 10_000, runs: 40 },
  { label: "100 KB", bytes: 100_000, runs: 15 },
  { label: "1 MB", bytes: 1_000_000, runs: 5 },
];

export async function coldStartCase(ctx: BenchContext): Promise<CaseResult> {
  const { secretKey, publicKey } = await generateKeyPair();
  const policy = await createTrustPolicy({
    keys: [{ publicKey }],
    grants: { "*": { capabilities: CAPABILITIES, headers: ["user-agent"] } },
  });
  const sign = async (bytes: Uint8Array) => (await signModule(bytes, secretKey)).bytes;
  const rows: Row[] = [];
  const breakdowns: Breakdown[] = [];
  const steps = SIZES.length + 2;
  let tenKb = Number.NaN;
  for (const [i, size] of SIZES.entries()) {
    ctx.progress(i / steps);
    const signed = await sign(await sizedProbe(size.bytes));
    const result = await coldStart(`${size.label} probe`, probePhases(signed, policy), ctx.quick ? 2 : size.runs);
    rows.push(result.row);
    breakdowns.push(result.breakdown);
    if (size.bytes === 10_000) {
      // End to end: fresh signed bytes each run, so nothing is cached anywhere.
      const unsigned = await sizedProbe(size.bytes);
      const runs = ctx.quick ? 2 : size.runs;
      const fresh = await Promise.all(Array.from({ length: runs + 3 }, (_, r) => sign(withNonce(unsigned, 7_000 + r))));
      const loader = new TrustedLoader({ runtime: new ProbeRuntime(), policy });
      const e2e = await sample(runs, (r) => loader.loadProbe(fresh[(r + 3) % fresh.length] as Uint8Array), {
        warmup: 0,
      });
      tenKb = e2e.medianNs;
      rows.push({
        label: "10 KB probe, end to end (TrustedLoader.loadProbe)",
        value: e2e.medianNs,
        unit: "ns",
        p99: e2e.p99Ns,
        detail: `${signed.length.toLocaleString("en-US")} bytes, freshly signed bytes every run; ${runs} runs`,
      });
    }
  }
  ctx.progress(SIZES.length / steps);
  // 16 probes: the examples and bench probes under 16 names, each signed, bundled and signed.
  const bases = [
    await builtProbe("examples", "latency"),
    await builtProbe("examples", "sampler"),
    await builtProbe("examples", "slow-detector"),
    await builtProbe("bench", "empty"),
  ];
  const makeBundle = async (nonce: number | undefined) => {
    const probes: Uint8Array[] = [];
    for (let p = 0; p < 16; p++) {
      const base = bases[p % bases.length] as Uint8Array;
      const named = renamed(base, admitProbe(base).manifest, `probe-${p}`);
      probes.push(await sign(nonce === undefined ? named : withNonce(named, nonce)));
    }
    return createBundle({ name: "bench-bundle", version: "1.0.0", probes }, secretKey);
  };
  const bundleRuns = ctx.quick ? 2 : 12;
  const bundled = await coldStart(
    "16-probe signed bundle",
    await bundlePhases(await makeBundle(undefined), policy),
    bundleRuns,
  );
  rows.push(bundled.row);
  breakdowns.push(bundled.breakdown);
  ctx.progress((SIZES.length + 1) / steps);
  // End to end: fresh bundles (every probe re-signed with a new nonce), one loader each (no rollback refusal).
  const freshBundles: Uint8Array[] = [];
  for (let r = 0; r < bundleRuns + 1; r++) freshBundles.push(await makeBundle(9_000 + r));
  const bundleE2e = await sample(
    bundleRuns,
    (r) =>
      new TrustedLoader({ runtime: new ProbeRuntime(), policy }).loadBundle(
        freshBundles[(r + 1) % freshBundles.length] as Uint8Array,
      ),
    { warmup: 1 },
  );
  rows.push({
    label: "16-probe bundle, end to end (TrustedLoader.loadBundle)",
    value: bundleE2e.medianNs,
    unit: "ns",
    p99: bundleE2e.p99Ns,
    detail: `${(freshBundles[0] as Uint8Array).length.toLocaleString("en-US")} bytes, fresh bytes every run; ${bundleRuns} runs`,
  });
  const tenKbPhases = rows.find((r) => r.label === "10 KB probe")?.value ?? Number.NaN;
  return {
    id: "cold-start",
    number: 5,
    title: "Cold start: parse + verify signature + instrument + compile + instantiate",
    rows,
    breakdowns,
    goals: [
      {
        goal: "10 KB signed probe under 2 ms",
        measured: `${formatValue(tenKb, "ns")} end to end (phases timed apart add up to ${formatValue(tenKbPhases, "ns")})`,
        met: tenKb < 2e6,
      },
      {
        goal: "16-probe bundle under 15 ms",
        measured: `${formatValue(bundleE2e.medianNs, "ns")} end to end (phases timed apart add up to ${formatValue(bundled.row.value, "ns")})`,
        met: bundleE2e.medianNs < 15e6,
      },
    ],
    notes: [
      "Every run compiles bytes V8 has never seen (a fresh bench-nonce custom section), so no compiled-module cache is hit. Goals are judged end to end (TrustedLoader: verify, instrument, compile, instantiate, init); the phases are timed apart to show where the time goes, and their sum counts the admit step twice.",
      "Phases: verify = the trust API (section walk, SHA-256, Ed25519, manifest, grants); instrument = sandboxedProbeBytes (admit, memory/table caps, fuel metering: what the runtime compiles); compile = WebAssembly.compile of the instrumented module(s); instantiate = runtime admit + instantiate + init with the precompiled module.",
      "Generated probes are built at -O0 (exported functions of loops and branches); 1 KB uses the stub runtime.",
    ],
  };
}
