/**
 * Fleet hot reload: the swap time of a 16-probe bundle, from verified bytes
 * in hand to the new set live on a runtime that is already serving (admit,
 * limits + fuel metering, compile, instantiate, init, swap; the fetch and
 * the verification are not counted), against its same-run baseline, loading
 * the same bundle cold (a new runtime and TrustedLoader.loadBundle: verify
 * and everything above). Runs interleave the swaps and the cold load on fresh bytes each
 * time (every probe re-signed with a new nonce, so V8 has compiled none of
 * them), and the ratio is taken per pair, so load on the machine moves both.
 */

import { withNonce } from "../../host/cli/bench/cases.js";
import { distribution, quantile } from "../../host/cli/bench/harness.js";
import { type CaseResult, formatValue, type Row } from "../../host/cli/bench/report.js";
import { admitProbe } from "../../host/load/admit.js";
import { TrustedLoader } from "../../host/runtime/loader.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { createBundle } from "../../host/trust/bundle/create.js";
import { verifyBundle } from "../../host/trust/bundle/verify.js";
import { createTrustPolicy } from "../../host/trust/policy.js";
import { generateKeyPair } from "../../host/trust/signature/keys.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { CAPABILITIES } from "../../host/world/manifest.js";
import { type BenchContext, builtProbe } from "../context.js";
import { renamed } from "../generate.js";

const PROBES = 16;
const GOAL_MS = 10;

export async function swapCase(ctx: BenchContext): Promise<CaseResult> {
  const { secretKey, publicKey } = await generateKeyPair();
  const policy = await createTrustPolicy({
    keys: [{ publicKey }],
    grants: { "*": { capabilities: CAPABILITIES, headers: ["user-agent"] } },
    allowRollback: true,
  });
  const bases = [
    await builtProbe("examples", "latency"),
    await builtProbe("examples", "sampler"),
    await builtProbe("examples", "slow-detector"),
    await builtProbe("bench", "empty"),
  ];
  const names = Array.from({ length: PROBES }, (_, p) => {
    const base = bases[p % bases.length] as Uint8Array;
    return renamed(base, admitProbe(base).manifest, `probe-${p}`);
  });
  /** 16 probes V8 has never seen: every one re-signed with a fresh nonce. */
  const freshProbes = (nonce: number) =>
    Promise.all(names.map(async (n) => (await signModule(withNonce(n, nonce), secretKey)).bytes));
  const bundleOf = (probes: Uint8Array[]) => createBundle({ name: "fleet-bench", version: "1.0.0", probes }, secretKey);
  const runs = ctx.quick ? 3 : 30;
  const warmup = ctx.quick ? 1 : 3;
  const serving = new ProbeRuntime({ trust: policy });
  await serving.replaceAll((await verifyBundle(await bundleOf(await freshProbes(1)), policy)).probes);
  /** Time one swap of verified bytes on the serving runtime (ms). */
  const swapIn = async (bundle: Uint8Array) => {
    const verified = await verifyBundle(bundle, policy); // bytes in hand and verified: the swap starts here
    const t0 = performance.now();
    await serving.replaceAll(verified.probes);
    const ms = performance.now() - t0;
    if (serving.probes().length !== PROBES) throw new Error("the swap did not make 16 probes live");
    return ms;
  };
  const all: number[] = [];
  const one: number[] = [];
  const colds: number[] = [];
  const ratiosAll: number[] = [];
  const ratiosOne: number[] = [];
  let size = 0;
  for (let r = 0; r < warmup + runs; r++) {
    ctx.progress(r / (warmup + runs));
    const probes = await freshProbes(1_000 + 3 * r);
    const forAll = await bundleOf(probes);
    // A typical rollout: one probe changed, fifteen byte for byte as they are live.
    const changed = [await signModule(withNonce(names[0] as Uint8Array, 1_001 + 3 * r), secretKey)];
    const forOne = await bundleOf([(changed[0] as { bytes: Uint8Array }).bytes, ...probes.slice(1)]);
    const forCold = await bundleOf(await freshProbes(1_002 + 3 * r));
    size = forAll.length;
    const tAll = await swapIn(forAll);
    const tOne = await swapIn(forOne);
    const t0 = performance.now();
    await new TrustedLoader({ runtime: new ProbeRuntime(), policy }).loadBundle(forCold);
    const tCold = performance.now() - t0;
    if (r < warmup) continue;
    all.push(tAll * 1e6);
    one.push(tOne * 1e6);
    colds.push(tCold * 1e6);
    ratiosAll.push(tAll / tCold);
    ratiosOne.push(tOne / tCold);
  }
  const cold = distribution(colds);
  const baseline = {
    label: "the same bundle loaded cold (new runtime, TrustedLoader.loadBundle)",
    value: cold.medianNs,
    p99: cold.p99Ns,
  };
  const ratio = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { median: quantile(sorted, 0.5), low: quantile(sorted, 0.25), high: quantile(sorted, 0.75) };
  };
  const swapAll = distribution(all);
  const swapOne = distribution(one);
  const rows: Row[] = [
    {
      label: "16-probe bundle, all 16 new: verified bytes to new set live",
      value: swapAll.medianNs,
      unit: "ns",
      p99: swapAll.p99Ns,
      baseline,
      ratio: ratio(ratiosAll),
      detail: `${size.toLocaleString("en-US")} bytes, fresh bytes every run; ${runs} interleaved runs`,
    },
    {
      label: "16-probe bundle, 1 changed: verified bytes to new set live",
      value: swapOne.medianNs,
      unit: "ns",
      p99: swapOne.p99Ns,
      baseline,
      ratio: ratio(ratiosOne),
      detail: "15 probes byte for byte as live reuse their sandboxed, compiled module (new instances, init run)",
    },
  ];
  return {
    id: "swap",
    number: 11,
    title: "Fleet hot reload: swap time of a verified 16-probe bundle",
    rows,
    goals: [
      {
        goal: `16-probe bundle swapped in <= ${GOAL_MS} ms (verified bytes to new set live, fetch not counted)`,
        measured: `all new ${formatValue(swapAll.medianNs, "ns")} (p99 ${formatValue(swapAll.p99Ns, "ns")}), one changed ${formatValue(swapOne.medianNs, "ns")}; cold load ${formatValue(cold.medianNs, "ns")}`,
        met: ctx.quick ? null : swapAll.medianNs <= GOAL_MS * 1e6,
      },
    ],
    notes: [
      "The swap is what TrustedLoader.watch does once a bundle is verified: runtime.replaceAll(verified.probes) while the old set keeps serving; the pointer swap itself is one assignment, the time is admission, metering, compilation, instantiation and init of the new probes.",
      "The goal is judged on the worst case, all 16 probes new; a rollout that changes one probe compiles only that one.",
      "Ratio = swap / cold per interleaved run (median and interquartile range), so machine load moves both sides of each pair alike.",
    ],
  };
}
