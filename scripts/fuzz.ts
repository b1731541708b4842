/**
 * The long fuzz run: `npm run fuzz -- --count 100000 [--seed N]`. Prints
 * inputs, accepted, refusals by code, other exceptions, hangs, crashes and the
 * seconds it took; exits 1 on any finding, with the inputs to replay.
 */
import { fuzz } from "../test/fuzz/runner.js";

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at < 0 ? undefined : Number(process.argv[at + 1]);
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`fuzz: --${name} takes a whole number`);
    process.exit(2);
  }
  return value;
}

const count = option("count", 10_000);
const seed = option("seed", 20261206);
const summary = await fuzz({
  seed,
  count,
  onProgress: (done) => {
    if (done % 10_000 === 0) console.error(`  ${done} / ${count}`);
  },
});
const refusedTotal = Object.values(summary.refused).reduce((a, b) => a + b, 0);
console.log(`sandprobe fuzz: seed ${seed}, ${summary.inputs} inputs in ${summary.seconds.toFixed(1)} s`);
console.log(`  accepted            ${summary.accepted}`);
console.log(`  refused (typed)     ${refusedTotal}`);
for (const [code, n] of Object.entries(summary.refused).sort((a, b) => b[1] - a[1])) {
  console.log(`    ${code.padEnd(24)}${n}`);
}
console.log(`  re-signed inputs    ${summary.resigned}`);
console.log(`  other exceptions    ${summary.untyped.length}`);
console.log(`  broken invariants   ${summary.violations.length}`);
console.log(`  hangs               ${summary.hangs.length}`);
console.log(`  crashes             ${summary.crashes.length}`);
const findings = [...summary.untyped, ...summary.violations, ...summary.hangs, ...summary.crashes];
for (const finding of findings.slice(0, 20)) {
  console.log(`  input ${finding.index} (${finding.seedName ?? "?"}, ${finding.mutations ?? "?"}): ${finding.what}`);
}
if (findings.length > 0) {
  console.log(`  replay: FUZZ_SEED=${seed} and the input index (test/fuzz/inputs.ts makeInput)`);
  process.exit(1);
}
