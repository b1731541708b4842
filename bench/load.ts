/**
 * What it costs to load signed probes: verify + compile + instantiate one
 * example probe, and a 16-probe signed bundle, end to end through
 * TrustedLoader, with each phase timed on its own to show where the time
 * goes. Medians (and p90) of many runs. `node dist/bench/load.js [--json]`.
 */
import { parseArgs } from "node:util";
import { admitProbe } from "../host/load/admit.js";
import { sandboxedProbeBytes } from "../host/load/prepare.js";
import { TrustedLoader } from "../host/runtime/loader.js";
import { ProbeRuntime } from "../host/runtime/runtime.js";
import { createBundle } from "../host/trust/bundle/create.js";
import { verifyBundle } from "../host/trust/bundle/verify.js";
import { createTrustPolicy } from "../host/trust/policy.js";
import { generateKeyPair } from "../host/trust/signature/keys.js";
import { contentHashes, signedLayout } from "../host/trust/signature/layout.js";
import { signModule } from "../host/trust/signature/sign.js";
import { checkSignatures } from "../host/trust/signature/verify.js";
import { type VerifiedProbe, verifyProbe } from "../host/trust/verify-probe.js";
import { concatBytes, encodeCustomSection, encodeU32 } from "../host/wasm/encode.js";
import { CAPABILITIES } from "../host/world/manifest.js";
import { probeBytes } from "../test/support/probes.js";
import { withManifest } from "../test/support/signing.js";

const WARMUP = 10;

/**
 * V8 reuses a compiled module for identical bytes, so timing repeated loads
 * of one file would time a cache hit. Each variant carries a different
 * `bench-nonce` custom section (no effect on code) and is signed on its own.
 */
async function variants(
  unsigned: Uint8Array,
  count: number,
  sign: (b: Uint8Array) => Promise<Uint8Array>,
  first = 0,
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let i = first; i < first + count; i++) {
    out.push(await sign(concatBytes([unsigned, encodeCustomSection("bench-nonce", Uint8Array.from(encodeU32(i)))])));
  }
  return out;
}

interface Stat {
  readonly name: string;
  readonly runs: number;
  readonly medianUs: number;
  readonly p90Us: number;
}

/** Time `fn(i)` for i = 0..runs-1 after a few warm-up calls (given i = runs..). */
async function measure(name: string, runs: number, fn: (i: number) => Promise<unknown> | unknown): Promise<Stat> {
  for (let i = 0; i < WARMUP; i++) await fn(runs + i);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push((performance.now() - t0) * 1000);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.round(q * (times.length - 1)))] as number;
  return { name, runs, medianUs: at(0.5), p90Us: at(0.9) };
}

export async function loadBench(options: { runs?: number } = {}): Promise<Stat[]> {
  const runs = options.runs ?? 300;
  const { secretKey, publicKey } = await generateKeyPair();
  const policy = await createTrustPolicy({
    keys: [{ publicKey }],
    grants: { "*": { capabilities: CAPABILITIES, headers: ["*"] } },
  });
  const sign = async (bytes: Uint8Array) => (await signModule(bytes, secretKey)).bytes;
  const latency = await probeBytes("examples", "latency");
  const signed = await sign(latency);
  const unique = await variants(latency, runs + WARMUP, sign);
  const layout = signedLayout(signed);
  const stats: Stat[] = [];

  // One probe, phase by phase; each run on bytes V8 has not compiled before.
  stats.push(await measure("probe: section walk", runs, () => signedLayout(signed)));
  stats.push(await measure("probe: SHA-256 of signed content", runs, () => contentHashes(signed, layout)));
  stats.push(
    await measure("probe: signature check (hash + Ed25519)", runs, () => checkSignatures(signed, [publicKey])),
  );
  stats.push(await measure("probe: verifyProbe (whole policy)", runs, () => verifyProbe(signed, policy)));
  stats.push(await measure("probe: admit (parse imports/exports)", runs, () => admitProbe(signed)));
  stats.push(
    await measure("probe: admit + sandbox (caps + fuel metering)", runs, (i) =>
      sandboxedProbeBytes(unique[i] as Uint8Array),
    ),
  );
  const sandboxed = unique.map((bytes) => sandboxedProbeBytes(bytes));
  const compiled: WebAssembly.Module[] = [];
  stats.push(
    await measure("probe: WebAssembly.compile of the sandboxed module", runs, async (i) => {
      compiled[i] = await WebAssembly.compile(sandboxed[i] as Uint8Array<ArrayBuffer>);
    }),
  );
  // The runtime loads only verified probes: verify them outside the timed phase.
  const verifiedUnique = await Promise.all(unique.map((bytes) => verifyProbe(bytes, policy)));
  const runtime = new ProbeRuntime();
  stats.push(
    await measure("probe: admit + sandbox + shape check + instantiate + init (precompiled)", runs, (i) =>
      runtime.prepare([{ probe: verifiedUnique[i] as VerifiedProbe, module: compiled[i] as WebAssembly.Module }]),
    ),
  );
  const fresh = await variants(latency, runs + WARMUP, sign, runs + WARMUP);
  const loader = new TrustedLoader({ runtime, policy });
  stats.push(
    await measure("probe: TrustedLoader.loadProbe (all of it)", runs, (i) => loader.loadProbe(fresh[i] as Uint8Array)),
  );

  // A 16-probe bundle: the three examples under 16 names, fresh bytes for every run (and a fresh runtime, so none is reused).
  const bundleRuns = Math.max(20, Math.round(runs / 10));
  const bases = ["latency", "sampler", "slow-detector"];
  const named: Uint8Array[] = [];
  for (let p = 0; p < 16; p++) named.push(await withManifest(bases[p % 3] as string, { name: `probe-${p}` }));
  const bundles: Uint8Array[] = [];
  for (let i = 0; i < 2 * (bundleRuns + WARMUP); i++) {
    const probes = await Promise.all(named.map(async (n) => (await variants(n, 1, sign, 10_000 + i))[0] as Uint8Array));
    bundles.push(await createBundle({ name: "bench", version: "1.0.0", probes }, secretKey));
  }
  stats.push(
    await measure("bundle(16): verifyBundle", bundleRuns, (i) => verifyBundle(bundles[i] as Uint8Array, policy)),
  );
  const verified = await Promise.all(bundles.map((b) => verifyBundle(b, policy)));
  stats.push(
    await measure("bundle(16): admit + sandbox + compile + instantiate + init (replaceAll)", bundleRuns, (i) =>
      new ProbeRuntime().replaceAll((verified[i] as Awaited<ReturnType<typeof verifyBundle>>).probes),
    ),
  );
  const offset = bundleRuns + WARMUP;
  stats.push(
    await measure("bundle(16): TrustedLoader.loadBundle (all of it)", bundleRuns, (i) =>
      loader.loadBundle(bundles[offset + i] as Uint8Array),
    ),
  );
  return stats;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { json: { type: "boolean" }, runs: { type: "string" } } });
  const stats = await loadBench(values.runs ? { runs: Number(values.runs) } : {});
  if (values.json) console.log(JSON.stringify(stats, null, 2));
  else {
    const width = Math.max(...stats.map((s) => s.name.length));
    console.log(`node ${process.version}, ${stats[0]?.runs} runs per probe phase (median / p90, microseconds)`);
    for (const s of stats) {
      console.log(`${s.name.padEnd(width)}  ${s.medianUs.toFixed(1).padStart(9)}  ${s.p90Us.toFixed(1).padStart(9)}`);
    }
  }
}
