// The seeded fuzzer, a few thousand inputs per `npm test`: every input ends in
// acceptance (only when no signed byte changed) or a typed SandprobeError.
// FUZZ_SEED replays another run; `npm run fuzz -- --count 100000` runs long.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fuzz } from "./runner.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const COUNT = Number(process.env.FUZZ_COUNT ?? 3000);

test(`fuzz: ${COUNT} inputs of seed ${SEED} end accepted or refused with a code, never otherwise`, async () => {
  const summary = await fuzz({ seed: SEED, count: COUNT });
  const findings = [...summary.untyped, ...summary.violations, ...summary.hangs, ...summary.crashes];
  assert.equal(findings.slice(0, 5), [], `findings (replay with FUZZ_SEED=${SEED}): ${findings.length}`);
  assert.is(summary.inputs, COUNT);
  // The run reached deep: some inputs pass the whole trust path, and refusals
  // come from more than one stage (a fuzzer stuck at the first check proves little).
  assert.ok(summary.accepted > 0, "some inputs accepted");
  for (const code of ["E_MALFORMED", "E_SIGNATURE_INVALID", "E_UNSIGNED", "E_MANIFEST"]) {
    assert.ok((summary.refused[code] ?? 0) > 0, `some inputs refused with ${code}: ${JSON.stringify(summary.refused)}`);
  }
});

test.run();
