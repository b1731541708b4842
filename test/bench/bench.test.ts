/**
 * The benchmarks cannot rot: the quick mode of a few example cases, and
 * `sandprobe bench` on a signed bundle, run here and must produce complete,
 * well-formed reports. Structure only: times are never asserted (this
 * machine is shared and CI runs on whatever it gets).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runBench, writeResults } from "../../bench/run.js";
import { renderHtml } from "../../host/cli/bench/html.js";
import type { BenchReport, CaseResult } from "../../host/cli/bench/report.js";
import { renderMarkdown, renderText } from "../../host/cli/bench/report.js";
import type { CliIo } from "../../host/cli/command.js";
import { run } from "../../host/cli/run.js";
import { createBundle } from "../../host/trust/bundle/create.js";
import { encodePublicKey, generateKeyPair } from "../../host/trust/signature/keys.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { probeBytes } from "../support/probes.js";

const dir = mkdtempSync(join(tmpdir(), "sandprobe-bench-"));

function checkCase(c: CaseResult): void {
  assert.ok(c.number >= 1 && c.number <= 9, `${c.id}: case number`);
  assert.type(c.title, "string");
  assert.is(c.skipped, undefined, `${c.id} did not run: ${c.skipped}`);
  assert.ok(c.rows.length > 0, `${c.id}: rows`);
  for (const row of c.rows) {
    assert.ok(Number.isFinite(row.value) && row.value >= 0, `${c.id} / ${row.label}: value ${row.value}`);
    if (row.baseline) assert.ok(Number.isFinite(row.baseline.value), `${c.id} / ${row.label}: baseline`);
    if (row.ratio) assert.ok(row.ratio.low <= row.ratio.median && row.ratio.median <= row.ratio.high, "ratio IQR");
  }
  for (const goal of c.goals ?? []) assert.ok(goal.met === null || typeof goal.met === "boolean", goal.goal);
}

function checkRendering(report: BenchReport): void {
  const text = renderText(report);
  const md = renderMarkdown(report);
  const html = renderHtml(report);
  for (const c of report.cases) {
    assert.ok(text.includes(c.title), `text has ${c.id}`);
    assert.ok(md.includes(`### ${c.number}. ${c.title}`), `markdown has ${c.id}`);
  }
  assert.ok(html.startsWith("<!doctype html>"));
  assert.ok(html.includes("<svg"), "charts are inline SVG");
  assert.not.match(html, /<script|https?:\/\/(?!www\.w3\.org)/, "self-contained: no script, no remote resource");
}

test("npm run bench --quick: the floor, the empty hook, the example probes and memory produce complete results", async () => {
  const report = await runBench({ quick: true, only: ["floor", "empty-hook", "hook-span", "memory"] });
  assert.is(report.schema, 1);
  assert.is(report.mode, "quick");
  assert.type(report.machine.cpu, "string");
  assert.ok(report.machine.cores >= 1);
  assert.equal(
    report.cases.map((c) => c.id),
    ["floor", "empty-hook", "hook-span", "memory"],
  );
  for (const c of report.cases) checkCase(c);
  // Every example probe is compared with its JavaScript twin, and the goals are judged.
  const spans = report.cases.find((c) => c.id === "hook-span") as CaseResult;
  for (const probe of ["latency", "slow-detector", "sampler"]) {
    assert.ok(
      spans.rows.some((r) => r.label.startsWith(probe) && r.baseline),
      probe,
    );
  }
  // Issue 12's three pipelines for the latency probe, then issue 5's goal per example.
  assert.is(spans.goals?.length, 6);
  for (const pipeline of ["InMemorySpanExporter", "NoopSpanProcessor", "no SDK registered"]) {
    assert.ok(
      spans.rows.some((r) => r.label === `latency probe, ${pipeline}` && r.baseline),
      pipeline,
    );
  }
  assert.ok(
    spans.goals?.some((g) => g.goal.includes("+150 ns") && /^[+-]?\d+ ns \[/.test(g.measured)),
    "the no-SDK goal is judged in ns over the JS twin",
  );
  // A quick run never judges a goal: its few rounds cannot tell.
  for (const goal of report.cases.flatMap((c) => c.goals ?? [])) assert.is(goal.met, null, goal.goal);
  for (const row of spans.rows) assert.not.match(row.detail ?? "", /WARNING/, `${row.label}: spans were dropped`);
  checkRendering(report);
  const paths = await writeResults(report, join(dir, "results"));
  assert.equal(JSON.parse(readFileSync(paths.json, "utf8")).cases.length, 4);
});

test("the fleet swap case (quick): two swap rows of a 16-probe bundle, each against the cold load of the same bundle", async () => {
  const report = await runBench({ quick: true, only: ["swap"] });
  const swap = report.cases[0] as CaseResult;
  assert.is(swap.id, "swap");
  assert.is(swap.skipped, undefined, swap.skipped);
  assert.equal(
    swap.rows.map((r) => r.label.split(":")[0]),
    ["16-probe bundle, all 16 new", "16-probe bundle, 1 changed"],
  );
  for (const row of swap.rows) {
    assert.ok(row.value > 0 && Number.isFinite(row.value), row.label);
    assert.ok(row.baseline?.label.includes("cold"), row.label);
    assert.ok((row.ratio?.median ?? 0) > 0, row.label);
  }
  assert.is(swap.goals?.[0]?.met, null, "a quick run judges no goal");
});

test("sandprobe bench BUNDLE --quick --json --html: cases 2 to 6 for a signed bundle", async () => {
  const { secretKey, publicKey } = await generateKeyPair();
  const probes = [];
  for (const name of ["latency", "sampler"])
    probes.push((await signModule(await probeBytes("examples", name), secretKey)).bytes);
  const bundle = await createBundle({ name: "smoke", version: "1.0.0", probes }, secretKey);
  writeFileSync(join(dir, "smoke.spb"), bundle);
  writeFileSync(join(dir, "smoke.pub"), encodePublicKey(publicKey));
  let stdout = "";
  let stderr = "";
  const files = new Map<string, Uint8Array | string>();
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readFile: async (path) => new Uint8Array(readFileSync(path)),
    writeFile: async (path, bytes) => {
      files.set(path, bytes);
    },
  };
  const html = join(dir, "report.html");
  const code = await run(
    ["bench", join(dir, "smoke.spb"), "-K", join(dir, "smoke.pub"), "--quick", "--json", "--html", html],
    io,
  );
  assert.is(code, 0, stderr);
  const report = JSON.parse(stdout) as BenchReport;
  assert.ok(report.subject.includes("smoke 1.0.0"));
  assert.equal(
    report.cases.map((c) => c.number),
    [2, 3, 4, 5, 6],
  );
  for (const c of report.cases) checkCase(c);
  // One row per probe and one for both together, in the hook cases.
  assert.is(report.cases[0]?.rows.length, 3);
  assert.ok(String(files.get(html)).includes("<svg"));
});

test("sandprobe bench refuses a bundle signed by another key", async () => {
  const other = await generateKeyPair();
  writeFileSync(join(dir, "other.pub"), encodePublicKey(other.publicKey));
  let stderr = "";
  const io: CliIo = {
    stdout: () => {},
    stderr: (text) => {
      stderr += text;
    },
    readFile: async (path) => new Uint8Array(readFileSync(path)),
    writeFile: async () => {},
  };
  const code = await run(["bench", join(dir, "smoke.spb"), "-K", join(dir, "other.pub"), "--quick"], io);
  assert.is(code, 1);
  assert.match(stderr, /E_KEY_UNKNOWN|E_SIGNATURE|E_UNSIGNED/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
