/**
 * Run the uvu suites and refuse a silent pass. uvu exits 0 when a suite's
 * `before` hook throws: its tests are counted in "Total" but neither passed
 * nor failed. Here any test that did not pass (and was not skipped) fails
 * the run, and the run ends with a plain "N passed, N failed" line.
 */
import { spawn } from "node:child_process";

// uvu's package exports hide bin.js from require.resolve; it sits in node_modules.
const uvuBin = "node_modules/uvu/bin.js";
const args = [uvuBin, "dist/test", "\\.test\\.js$", ...process.argv.slice(2)];
const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });

let output = "";
child.stdout.on("data", (chunk: Buffer) => {
  process.stdout.write(chunk);
  output += chunk.toString("utf8");
});

const code: number = await new Promise((resolve) => child.on("close", (c) => resolve(c ?? 1)));
const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
const count = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? Number.NaN);
const total = count("Total");
const passed = count("Passed");
const skipped = count("Skipped");
if (!Number.isFinite(total) || !Number.isFinite(passed)) {
  console.error("run-tests: could not read uvu's totals");
  process.exit(code === 0 ? 1 : code);
}
const failed = total - passed - (Number.isFinite(skipped) ? skipped : 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
if (failed > 0 && code === 0) {
  console.error(`run-tests: ${failed} test(s) neither passed nor failed (a suite hook threw?): failing the run`);
}
process.exit(code !== 0 ? code : failed > 0 ? 1 : 0);
