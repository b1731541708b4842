/**
 * The long fuzz run (the tests run a short one, test/fuzz/fuzz.test.ts):
 *
 *   npm run fuzz -- --count 100000 [--seed N]
 *
 * Prints inputs, accepted, typed errors by code, other exceptions, hangs,
 * acceptances of tampered inputs and seconds, then every finding with the
 * seed and index that replay it. Exits 1 when there is any finding.
 */
import { parseArgs } from "node:util";
import { fuzz } from "../test/support/fuzz/run.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "10000" },
    seed: { type: "string", default: String(Date.now() >>> 0) },
  },
});
const count = Number(values.count);
const seed = Number(values.seed) >>> 0;
if (!Number.isSafeInteger(count) || count < 1) {
  console.error("fuzz: --count must be a positive integer");
  process.exit(2);
}
console.log(`fuzz: ${count} inputs, seed ${seed}`);
const step = Math.max(1, Math.floor(count / 20));
const summary = await fuzz({
  seed,
  count,
  onProgress: (done) => {
    if (done % step === 0) console.log(`  ${done}/${count}`);
  },
});
console.log(`inputs              ${summary.inputs}`);
console.log(`accepted            ${summary.accepted}`);
console.log("typed errors by code (first code an input met):");
for (const [code, n] of Object.entries(summary.typedByCode).sort((a, b) => b[1] - a[1])) {
  console.log(`  ${code.padEnd(24)} ${n}`);
}
console.log(`other exceptions    ${summary.otherExceptions}`);
console.log(`hangs               ${summary.hangs}`);
console.log(`accepted tampered   ${summary.acceptedTampered}`);
console.log(`seconds             ${summary.seconds.toFixed(1)}`);
for (const finding of summary.findings) {
  console.log(`FINDING seed ${seed} index ${finding.index}: ${finding.what} [${finding.recipe}]`);
}
process.exit(summary.findings.length === 0 ? 0 : 1);
