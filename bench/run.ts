/**
 * `npm run bench`: every case of issue 5 for the example probes, each
 * against its baseline in the same process, then a JSON file, a Markdown
 * summary and a self-contained HTML report under bench/results/.
 *
 *   node dist/bench/run.js [--quick] [--only floor,hook-span,...] [--json] [--out DIR] [--in-process]
 *
 * --quick is the CI smoke mode: a few rounds per case, numbers are rough and
 * nothing asserts on them. Each case runs in a fresh Node process (unless
 * --in-process), so the JIT state one case leaves behind (inline caches made
 * megamorphic by other probes and tracers) cannot slow the next.
 */
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { machine } from "../host/cli/bench/harness.js";
import { renderHtml } from "../host/cli/bench/html.js";
import { type BenchReport, type CaseResult, Progress, renderMarkdown, renderText } from "../host/cli/bench/report.js";
import { coldStartCase } from "./cases/coldstart.js";
import { edgeCase } from "./cases/edge.js";
import { extismCase } from "./cases/extism.js";
import { floorCase } from "./cases/floor.js";
import { emptyHookCase } from "./cases/hooks.js";
import { hostileCase } from "./cases/hostile.js";
import { jcoCase } from "./cases/jco.js";
import { languagesCase } from "./cases/languages.js";
import { memoryCase } from "./cases/memory.js";
import { meteringCase } from "./cases/metering.js";
import { spansCase } from "./cases/spans.js";
import { swapCase } from "./cases/swap.js";
import { throughputCase } from "./cases/throughput.js";
import { type BenchContext, makeContext } from "./context.js";

export interface CaseSpec {
  readonly id: string;
  readonly title: string;
  /** Rough share of the run's time, for the progress bar. */
  readonly weight: number;
  readonly run: (ctx: BenchContext) => Promise<CaseResult>;
}

export const CASES: readonly CaseSpec[] = [
  { id: "floor", title: "floor: empty calls", weight: 1, run: floorCase },
  { id: "empty-hook", title: "empty hook", weight: 1, run: emptyHookCase },
  { id: "hook-span", title: "example probes vs JavaScript spans", weight: 3, run: spansCase },
  { id: "metering", title: "fuel metering on vs off", weight: 4, run: meteringCase },
  { id: "cold-start", title: "cold start", weight: 4, run: coldStartCase },
  { id: "memory", title: "memory per instance", weight: 2, run: memoryCase },
  { id: "throughput", title: "span throughput", weight: 2, run: throughputCase },
  { id: "extism", title: "Extism peer", weight: 3, run: extismCase },
  { id: "edge", title: "workerd requests per second", weight: 4, run: edgeCase },
  { id: "jco", title: "jco path vs fast path", weight: 2, run: jcoCase },
  { id: "swap", title: "fleet hot reload: bundle swap time", weight: 2, run: swapCase },
  { id: "hostile", title: "hostile call cost per request", weight: 3, run: hostileCase },
  { id: "languages", title: "C and JavaScript probes vs AssemblyScript", weight: 2, run: languagesCase },
];

export interface RunOptions {
  readonly quick?: boolean;
  /** Run every case in its own child process (default false here; the command line defaults to true). */
  readonly isolate?: boolean;
  /** Case ids to run (default: all). */
  readonly only?: readonly string[];
  readonly onProgress?: (step: string, fraction: number) => void;
}

/** Run the cases; a case that throws is reported as skipped with its error, the others still run. */
export async function runBench(options: RunOptions = {}): Promise<BenchReport> {
  const started = new Date();
  const t0 = performance.now();
  const quick = options.quick ?? false;
  const specs = CASES.filter((c) => !options.only || options.only.includes(c.id));
  const total = specs.reduce((sum, c) => sum + c.weight, 0);
  const progress = options.onProgress ?? (() => {});
  const machineInfo = await machine();
  const cases: CaseResult[] = [];
  let done = 0;
  for (const spec of specs) {
    const report = (fraction: number) => progress(spec.title, (done + spec.weight * Math.min(1, fraction)) / total);
    report(0);
    try {
      cases.push(options.isolate ? await inChild(spec.id, quick, report) : await spec.run(makeContext(quick, report)));
    } catch (error) {
      const number = CASES.indexOf(spec) + 1;
      cases.push({ id: spec.id, number, title: spec.title, rows: [], skipped: `failed: ${(error as Error).message}` });
    }
    done += spec.weight;
  }
  progress("done", 1);
  // A quick run takes a few rounds: its numbers say the cases work, not whether a goal is met.
  const judged = quick
    ? cases.map((c) => ({
        ...c,
        goals: c.goals?.map((g) => ({ ...g, met: null, measured: `${g.measured} (quick run: not judged)` })),
      }))
    : cases;
  const notes = [
    "Every ratio compares a case with its baseline measured in the same process, in interleaved rounds; medians and p99 are of batch means (host/cli/bench/harness.ts).",
  ];
  if (options.isolate) notes.push("Each case ran in its own Node process, so no case inherits another's JIT state.");
  if (machineInfo.loadAverage > 0.5) {
    notes.push(
      `The 1-minute load average was ${machineInfo.loadAverage} at the start: other processes were running, absolute times are noisy (ratios less so).`,
    );
  }
  return {
    schema: 1,
    subject: "examples",
    mode: quick ? "quick" : "full",
    started: started.toISOString(),
    durationMs: performance.now() - t0,
    machine: machineInfo,
    notes,
    cases: judged,
  };
}

const PROGRESS = "progress ";

/** Run one case in a fresh Node process: progress comes back on stderr, the result as JSON on stdout. */
function inChild(id: string, quick: boolean, report: (fraction: number) => void): Promise<CaseResult> {
  return new Promise((resolve, reject) => {
    const args = [new URL(import.meta.url).pathname, "--child", id, ...(quick ? ["--quick"] : [])];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (line.startsWith(PROGRESS)) report(Number(line.slice(PROGRESS.length)));
        else if (line.trim()) stderr += `${line}\n`;
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0)
        reject(new Error(`case ${id} exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" ")}`));
      else {
        try {
          resolve(JSON.parse(stdout) as CaseResult);
        } catch (error) {
          reject(new Error(`case ${id} printed no result: ${(error as Error).message}`));
        }
      }
    });
  });
}

/** The child side of inChild. */
async function child(id: string, quick: boolean): Promise<void> {
  const spec = CASES.find((c) => c.id === id);
  if (!spec) throw new Error(`no case "${id}"`);
  const result = await spec.run(makeContext(quick, (f) => process.stderr.write(`${PROGRESS}${f}\n`)));
  process.stdout.write(JSON.stringify(result));
}

/** Write <out>/<timestamp>.{json,md,html}; returns the paths. */
export async function writeResults(
  report: BenchReport,
  out: string,
): Promise<{ json: string; md: string; html: string }> {
  await mkdir(out, { recursive: true });
  const stamp = report.started.replace(/[:.]/g, "-");
  const paths = { json: join(out, `${stamp}.json`), md: join(out, `${stamp}.md`), html: join(out, `${stamp}.html`) };
  await writeFile(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(paths.md, renderMarkdown(report));
  await writeFile(paths.html, renderHtml(report));
  return paths;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean" },
      only: { type: "string" },
      json: { type: "boolean" },
      out: { type: "string" },
      "in-process": { type: "boolean" },
      child: { type: "string" },
    },
  });
  if (values.child !== undefined) {
    await child(values.child, values.quick === true);
  } else {
    const progress = new Progress((text) => process.stderr.write(text), Boolean(process.stderr.isTTY));
    const report = await runBench({
      quick: values.quick === true,
      isolate: values["in-process"] !== true,
      ...(values.only ? { only: values.only.split(",") } : {}),
      onProgress: (step, fraction) => progress.update(step, fraction),
    });
    progress.done();
    const paths = await writeResults(report, values.out ?? "bench/results");
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(`${renderText(report)}results: ${paths.json}, ${paths.md}, ${paths.html}\n`);
    if (report.cases.some((c) => c.skipped?.startsWith("failed"))) process.exitCode = 1;
  }
}
