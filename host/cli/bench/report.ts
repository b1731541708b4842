/**
 * The benchmark report: one JSON document per run (schema below), rendered
 * as a terminal table, Markdown and a self-contained HTML page (html.ts).
 */
import type { Comparison, MachineInfo } from "./harness.js";

export type Unit = "ns" | "bytes" | "count" | "per-second";

/** One measured line: a value, optionally against its baseline from the same run. */
export interface Row {
  readonly label: string;
  readonly value: number;
  readonly unit: Unit;
  readonly p99?: number;
  readonly baseline?: { readonly label: string; readonly value: number; readonly p99?: number };
  /** subject / baseline: median of per-round ratios and its interquartile range. */
  readonly ratio?: { readonly median: number; readonly low: number; readonly high: number };
  readonly detail?: string;
}

/** Where the time of one measured operation goes (e.g. the phases of a cold start). */
export interface Breakdown {
  readonly label: string;
  readonly unit: Unit;
  readonly parts: readonly { readonly name: string; readonly value: number }[];
}

/** A goal of issue 5, judged on this run. `met` is null when the run could not judge it. */
export interface Goal {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean | null;
}

export interface CaseResult {
  /** Stable id, e.g. "hook-span". */
  readonly id: string;
  /** The case number in issue 5 (1-9). */
  readonly number: number;
  readonly title: string;
  readonly rows: readonly Row[];
  readonly breakdowns?: readonly Breakdown[];
  readonly goals?: readonly Goal[];
  readonly notes?: readonly string[];
  /** Set when the case did not run: why. */
  readonly skipped?: string;
}

export interface BenchReport {
  readonly schema: 1;
  /** What was measured: "examples" or the bundle's name and version. */
  readonly subject: string;
  readonly mode: "full" | "quick";
  readonly started: string;
  readonly durationMs: number;
  readonly machine: MachineInfo;
  readonly notes: readonly string[];
  readonly cases: readonly CaseResult[];
}

/** A row from a harness comparison. */
export function comparisonRow(c: Comparison, label = c.name, detail?: string): Row {
  return {
    label,
    value: c.subject.medianNs,
    unit: "ns",
    p99: c.subject.p99Ns,
    baseline: { label: c.baseline, value: c.base.medianNs, p99: c.base.p99Ns },
    ratio: { median: c.ratio, low: c.ratioLow, high: c.ratioHigh },
    ...(detail === undefined ? {} : { detail }),
  };
}

export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return "n/a";
  switch (unit) {
    case "ns":
      if (value >= 1e6) return `${(value / 1e6).toFixed(2)} ms`;
      if (value >= 1e3) return `${(value / 1e3).toFixed(2)} us`;
      return `${value.toFixed(value < 10 ? 2 : 1)} ns`;
    case "bytes":
      if (value >= 2 ** 20) return `${(value / 2 ** 20).toFixed(2)} MiB`;
      if (value >= 2 ** 10) return `${(value / 2 ** 10).toFixed(1)} KiB`;
      return `${Math.round(value)} B`;
    case "per-second":
      return value >= 1e6 ? `${(value / 1e6).toFixed(2)} M/s` : `${Math.round(value).toLocaleString("en-US")}/s`;
    default:
      return Math.round(value).toLocaleString("en-US");
  }
}

export function formatRatio(r: Row["ratio"]): string {
  return r ? `${r.median.toFixed(2)}x [${r.low.toFixed(2)}-${r.high.toFixed(2)}]` : "";
}

function goalMark(met: boolean | null): string {
  return met === null ? "?" : met ? "met" : "MISSED";
}

function cells(row: Row): string[] {
  return [
    row.label,
    formatValue(row.value, row.unit),
    row.p99 === undefined ? "" : formatValue(row.p99, row.unit),
    row.baseline ? `${formatValue(row.baseline.value, row.unit)}  ${row.baseline.label}` : "",
    formatRatio(row.ratio),
  ];
}

const HEADER = ["case", "median", "p99", "baseline (median)", "ratio [IQR]"];

function machineLine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node} (V8 ${m.v8}), ${m.platform}, load ${m.loadAverage}`;
}

/** Plain-text tables for the terminal. */
export function renderText(report: BenchReport): string {
  const out: string[] = [`sandprobe bench: ${report.subject} (${report.mode})`, machineLine(report.machine), ""];
  for (const c of report.cases) {
    out.push(`${c.number}. ${c.title}`);
    if (c.skipped) {
      out.push(`   skipped: ${c.skipped}`, "");
      continue;
    }
    const table = [HEADER, ...c.rows.map(cells)];
    const widths = HEADER.map((_, i) => Math.max(...table.map((r) => (r[i] ?? "").length)));
    for (const r of table) out.push(`   ${r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd());
    for (const b of c.breakdowns ?? []) {
      out.push(`   ${b.label}: ${b.parts.map((p) => `${p.name} ${formatValue(p.value, b.unit)}`).join(", ")}`);
    }
    for (const g of c.goals ?? []) out.push(`   goal ${goalMark(g.met)}: ${g.goal} (measured: ${g.measured})`);
    for (const n of c.notes ?? []) out.push(`   note: ${n}`);
    out.push("");
  }
  for (const n of report.notes) out.push(`note: ${n}`);
  out.push(`finished in ${(report.durationMs / 1000).toFixed(1)} s`);
  return `${out.join("\n")}\n`;
}

function escapeMd(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** The Markdown summary (docs/benchmarks.md embeds one). */
export function renderMarkdown(report: BenchReport): string {
  const out: string[] = [
    `## sandprobe bench: ${report.subject} (${report.mode} run, ${report.started})`,
    "",
    `Machine: ${machineLine(report.machine)}.`,
    "",
  ];
  const goals = report.cases.flatMap((c) => c.goals ?? []);
  if (goals.length > 0) {
    out.push("| goal | measured | result |", "|---|---|---|");
    for (const g of goals) out.push(`| ${escapeMd(g.goal)} | ${escapeMd(g.measured)} | ${goalMark(g.met)} |`);
    out.push("");
  }
  for (const c of report.cases) {
    out.push(`### ${c.number}. ${c.title}`, "");
    if (c.skipped) {
      out.push(`Skipped: ${c.skipped}`, "");
      continue;
    }
    out.push(`| ${HEADER.join(" | ")} |`, `|${HEADER.map(() => "---").join("|")}|`);
    for (const row of c.rows) out.push(`| ${cells(row).map(escapeMd).join(" | ")} |`);
    out.push("");
    for (const b of c.breakdowns ?? []) {
      out.push(`- ${b.label}: ${b.parts.map((p) => `${p.name} ${formatValue(p.value, b.unit)}`).join(", ")}`);
    }
    for (const n of c.notes ?? []) out.push(`- ${n}`);
    if ((c.breakdowns ?? []).length + (c.notes ?? []).length > 0) out.push("");
  }
  for (const n of report.notes) out.push(`- ${n}`);
  return `${out.join("\n")}\n`;
}

/**
 * A one-line progress bar on a TTY (stderr), plain start lines otherwise.
 * `step` is the current case; `fraction` how far the run is.
 */
export class Progress {
  private last = "";
  constructor(
    private readonly write: (text: string) => void,
    private readonly tty: boolean,
  ) {}

  update(step: string, fraction: number): void {
    const f = Math.max(0, Math.min(1, fraction));
    if (!this.tty) {
      if (step !== this.last) this.write(`[${Math.round(f * 100)}%] ${step}\n`);
      this.last = step;
      return;
    }
    const width = 28;
    const done = Math.round(f * width);
    const line = `[${"#".repeat(done)}${".".repeat(width - done)}] ${String(Math.round(f * 100)).padStart(3)}% ${step}`;
    this.write(`\r${line.slice(0, 110).padEnd(110)}`);
    this.last = step;
  }

  done(): void {
    if (this.tty) this.write(`\r${" ".repeat(110)}\r`);
  }
}
