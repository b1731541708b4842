/**
 * Run the edge runtime suites (workerd, Deno, Node: test/edge/runtime-*.test.ts)
 * several times in a row while busy processes keep every core loaded, to
 * show they judge nothing from timing. Run after `npm run build`:
 *
 *   npm run test:edge-under-load -- --runs 10 [--burners N]
 *
 * One burner per core by default (`node -e "for(;;){}"`), started before the
 * first run and stopped (by pid) after the last. Every run must pass every
 * test; the script prints one line per run and exits 1 if any did not.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "10" },
    burners: { type: "string", default: String(availableParallelism()) },
  },
});
const runs = Number(values.runs);
const burnerCount = Number(values.burners);
if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(burnerCount) || burnerCount < 0) {
  console.error("edge-under-load: --runs must be >= 1 and --burners >= 0");
  process.exit(2);
}

const SUITES = "runtime-(deno|workerd|node)\\.test\\.js$";

function startBurner(): ChildProcess {
  return spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" });
}

interface RunResult {
  readonly code: number;
  readonly total: number;
  readonly passed: number;
  readonly output: string;
}

/** One run of the three suites; uvu's totals are read so a suite whose setup threw cannot pass silently. */
function runSuites(): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["node_modules/uvu/bin.js", "dist/test/edge", SUITES], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.on("close", (code) => {
      const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
      const count = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? Number.NaN);
      resolve({ code: code ?? 1, total: count("Total"), passed: count("Passed"), output: plain });
    });
  });
}

const burners = Array.from({ length: burnerCount }, startBurner);
const stopBurners = () => {
  for (const burner of burners) if (burner.pid !== undefined && burner.exitCode === null) burner.kill("SIGKILL");
};
process.on("exit", stopBurners);
process.on("SIGINT", () => process.exit(130));

console.log(`edge-under-load: ${runs} run(s) of workerd, Deno and Node suites with ${burnerCount} CPU burner(s)`);
let failedRuns = 0;
const started = performance.now();
for (let run = 1; run <= runs; run++) {
  const t0 = performance.now();
  const result = await runSuites();
  const ok = result.code === 0 && Number.isFinite(result.total) && result.total > 0 && result.passed === result.total;
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`run ${run}/${runs}: ${ok ? "pass" : "FAIL"} ${result.passed}/${result.total} tests, ${seconds} s`);
  if (!ok) {
    failedRuns++;
    console.log(result.output);
  }
}
stopBurners();
const total = ((performance.now() - started) / 1000).toFixed(1);
console.log(`edge-under-load: ${runs - failedRuns}/${runs} runs passed in ${total} s`);
process.exit(failedRuns === 0 ? 0 : 1);
