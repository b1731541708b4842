// Fuzzing as part of the tests: a seeded campaign over every built probe,
// component, signed probe and bundle (byte mutations, structured mutations,
// hostile manifests re-signed by the trusted key, random bytes), through the
// whole load pipeline. Every input must end in acceptance (only when no
// signed byte changed) or a typed SandprobeError: never another exception,
// never a hang (a watchdog in the runner bounds each input), never a crash.
// `npm run fuzz -- --count 100000` runs the long campaign.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { signModule } from "../../host/trust/signature/sign.js";
import { buildCorpus } from "../support/fuzz/corpus.js";
import { runPipeline, signedTail } from "../support/fuzz/pipeline.js";
import { fuzz } from "../support/fuzz/run.js";
import { probeBytes } from "../support/probes.js";

const SEED = 20_261_206;
const COUNT = 2000;

test(`${COUNT} seeded inputs: each accepted untampered or refused with a typed error; no other exception, no hang`, async () => {
  const summary = await fuzz({ seed: SEED, count: COUNT });
  const report = summary.findings.map((f) => `seed ${SEED} index ${f.index}: ${f.what} [${f.recipe}]`).join("\n");
  assert.is(summary.inputs, COUNT);
  assert.is(summary.otherExceptions, 0, report);
  assert.is(summary.hangs, 0, report);
  assert.is(summary.acceptedTampered, 0, report);
  // The campaign reaches every layer: the parsers, the signature check, the
  // manifest decoder behind a valid signature, and admission.
  for (const code of ["E_MALFORMED", "E_SIGNATURE_INVALID", "E_MANIFEST"]) {
    assert.ok(
      (summary.typedByCode[code] ?? 0) > 0,
      `no input ended in ${code}: ${JSON.stringify(summary.typedByCode)}`,
    );
  }
  assert.ok(summary.accepted > 0, "some inputs (re-signed, or changed only where nothing is signed) were accepted");
});

test("the oracle sees tampering: a probe accepted with another probe's signed bytes counts as accepted-tampered", async () => {
  const { key, policy } = await buildCorpus();
  const latency = (await signModule(await probeBytes("examples", "latency"), key)).bytes;
  const sampler = (await signModule(await probeBytes("examples", "sampler"), key)).bytes;
  const honest = await runPipeline(latency, { policy, originalTail: signedTail(latency), load: true });
  assert.ok(honest.accepted);
  assert.not.ok(honest.acceptedTampered);
  // Every stage passes but the bundle check: a probe is not a bundle (a typed refusal).
  const notOk = honest.stages.filter((s) => s.outcome !== "ok").map((s) => `${s.stage}: ${s.outcome}`);
  assert.equal(notOk, ["verifyBundle: E_MALFORMED"]);
  const swapped = await runPipeline(latency, { policy, originalTail: signedTail(sampler), load: false });
  assert.ok(swapped.acceptedTampered);
});

test.run();
