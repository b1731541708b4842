/**
 * A self-contained HTML report: inline CSS and SVG charts, no script, no
 * CDN; it opens from disk in any browser.
 */
import { type BenchReport, type Breakdown, type CaseResult, formatRatio, formatValue, type Row } from "./report.js";

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const SUBJECT = "#d9480f";
const BASELINE = "#868e96";
const PARTS = ["#1c7ed6", "#37b24d", "#f59f00", "#ae3ec9", "#e8590c", "#0ca678", "#495057"];
const LABEL_W = 260;
/** Characters of a label that fit LABEL_W at the chart's font size. */
const LABEL_CHARS = 36;

/** A chart label cut to fit, with the whole text as its tooltip. */
function label(text: string): string {
  const shown = text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}\u2026` : text;
  return `<title>${esc(text)}</title>${esc(shown)}`;
}
const BAR_W = 420;
const VALUE_W = 170;

/** Bars for rows: subject and, when present, baseline. Log scale when values span 100x or more. */
function barChart(rows: readonly Row[], title: string): string {
  const values = rows.flatMap((r) => [r.value, ...(r.baseline ? [r.baseline.value] : [])]).filter((v) => v > 0);
  if (values.length === 0) return "";
  const max = Math.max(...values);
  const min = Math.min(...values);
  const log = max / min >= 100;
  const scale = (v: number) =>
    v <= 0 ? 0 : log ? (BAR_W * Math.log10(v / (min / 2))) / Math.log10(max / (min / 2)) : (BAR_W * v) / max;
  const lines: string[] = [];
  let y = 4;
  for (const row of rows) {
    const bars: { value: number; color: string; label: string }[] = [
      { value: row.value, color: SUBJECT, label: formatValue(row.value, row.unit) },
    ];
    if (row.baseline) {
      bars.push({
        value: row.baseline.value,
        color: BASELINE,
        label: `${formatValue(row.baseline.value, row.unit)} (${row.baseline.label})`,
      });
    }
    const height = bars.length * 16 + 8;
    lines.push(`<text x="0" y="${y + height / 2}" dominant-baseline="middle" class="l">${label(row.label)}</text>`);
    bars.forEach((bar, i) => {
      const w = Math.max(1, scale(bar.value));
      const by = y + 4 + i * 16;
      lines.push(`<rect x="${LABEL_W}" y="${by}" width="${w.toFixed(1)}" height="13" fill="${bar.color}"/>`);
      lines.push(
        `<text x="${LABEL_W + w + 4}" y="${by + 7}" dominant-baseline="middle" class="v">${esc(bar.label.slice(0, 48))}</text>`,
      );
    });
    y += height;
  }
  const width = LABEL_W + BAR_W + VALUE_W + 100;
  const caption = log ? `<text x="${LABEL_W}" y="${y + 12}" class="v">log scale</text>` : "";
  return `<svg viewBox="0 0 ${width} ${y + 16}" width="${width}" height="${y + 16}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>${lines.join("")}${caption}</svg>`;
}

/** Stacked bars: one per breakdown, one colour per part, with a legend. */
function stackedChart(breakdowns: readonly Breakdown[], title: string): string {
  if (breakdowns.length === 0) return "";
  const totals = breakdowns.map((b) => b.parts.reduce((sum, p) => sum + Math.max(0, p.value), 0));
  const max = Math.max(...totals, 1e-9);
  const names = [...new Set(breakdowns.flatMap((b) => b.parts.map((p) => p.name)))];
  const color = (name: string) => PARTS[names.indexOf(name) % PARTS.length] as string;
  const lines: string[] = [];
  let y = 4;
  breakdowns.forEach((b, i) => {
    lines.push(`<text x="0" y="${y + 9}" dominant-baseline="middle" class="l">${label(b.label)}</text>`);
    let x = LABEL_W;
    for (const part of b.parts) {
      const w = (BAR_W * Math.max(0, part.value)) / max;
      lines.push(
        `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="18" fill="${color(part.name)}"><title>${esc(
          `${part.name}: ${formatValue(part.value, b.unit)}`,
        )}</title></rect>`,
      );
      x += w;
    }
    lines.push(
      `<text x="${x + 4}" y="${y + 9}" dominant-baseline="middle" class="v">${esc(formatValue(totals[i] as number, b.unit))}</text>`,
    );
    y += 24;
  });
  let lx = 0;
  for (const name of names) {
    lines.push(`<rect x="${lx}" y="${y + 4}" width="10" height="10" fill="${color(name)}"/>`);
    lines.push(`<text x="${lx + 14}" y="${y + 9}" dominant-baseline="middle" class="v">${esc(name)}</text>`);
    lx += 24 + name.length * 6.5;
  }
  const width = Math.max(LABEL_W + BAR_W + VALUE_W, lx);
  return `<svg viewBox="0 0 ${width} ${y + 20}" width="${width}" height="${y + 20}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>${lines.join("")}</svg>`;
}

function table(c: CaseResult): string {
  const head = "<tr><th>case</th><th>median</th><th>p99</th><th>baseline (median)</th><th>ratio [IQR]</th></tr>";
  const body = c.rows
    .map((r) => {
      const base = r.baseline ? `${formatValue(r.baseline.value, r.unit)} <small>${esc(r.baseline.label)}</small>` : "";
      const detail = r.detail ? `<br><small>${esc(r.detail)}</small>` : "";
      return `<tr><td>${esc(r.label)}${detail}</td><td>${formatValue(r.value, r.unit)}</td><td>${
        r.p99 === undefined ? "" : formatValue(r.p99, r.unit)
      }</td><td>${base}</td><td>${esc(formatRatio(r.ratio))}</td></tr>`;
    })
    .join("");
  return `<table>${head}${body}</table>`;
}

function section(c: CaseResult): string {
  const parts = [`<section><h2>${c.number}. ${esc(c.title)}</h2>`];
  if (c.skipped) {
    parts.push(`<p class="skip">Skipped: ${esc(c.skipped)}</p></section>`);
    return parts.join("");
  }
  parts.push(barChart(c.rows, c.title), stackedChart(c.breakdowns ?? [], `${c.title}: where the time goes`), table(c));
  for (const g of c.goals ?? []) {
    const cls = g.met === null ? "unknown" : g.met ? "met" : "missed";
    parts.push(`<p class="goal ${cls}">${cls}: ${esc(g.goal)} <small>(measured: ${esc(g.measured)})</small></p>`);
  }
  if ((c.notes ?? []).length > 0) parts.push(`<ul>${(c.notes ?? []).map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`);
  parts.push("</section>");
  return parts.join("");
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#212529;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #dee2e6}
table{border-collapse:collapse;margin:.6em 0;width:100%}td,th{border-bottom:1px solid #e9ecef;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f5}svg{display:block;max-width:100%;height:auto;margin:.5em 0}svg .l{font-size:12px;fill:#212529}svg .v{font-size:11px;fill:#495057}
.goal{padding:3px 8px;border-left:4px solid}.met{border-color:#37b24d;background:#ebfbee}.missed{border-color:#e03131;background:#fff5f5}
.unknown{border-color:#adb5bd;background:#f8f9fa}.skip{color:#868e96}.key span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}`;

export function renderHtml(report: BenchReport): string {
  const m = report.machine;
  const goals = report.cases.flatMap((c) => c.goals ?? []);
  const summary = goals
    .map((g) => {
      const cls = g.met === null ? "unknown" : g.met ? "met" : "missed";
      return `<tr class="${cls}"><td>${esc(g.goal)}</td><td>${esc(g.measured)}</td><td>${cls}</td></tr>`;
    })
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sandprobe bench: ${esc(report.subject)}</title><style>${CSS}</style></head>
<body><h1>sandprobe bench: ${esc(report.subject)}</h1>
<p>${esc(report.mode)} run started ${esc(report.started)}, ${(report.durationMs / 1000).toFixed(1)} s.
Machine: ${esc(m.cpu)}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${esc(m.node)} (V8 ${esc(m.v8)}), ${esc(m.platform)}, load average ${m.loadAverage} at start.</p>
<p class="key">Bars:<span style="background:${SUBJECT}"></span>sandprobe<span style="background:${BASELINE}"></span>baseline (same process, interleaved rounds)</p>
${summary ? `<table><tr><th>goal</th><th>measured</th><th>result</th></tr>${summary}</table>` : ""}
${report.cases.map(section).join("\n")}
${report.notes.length > 0 ? `<h2>Notes</h2><ul>${report.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>` : ""}
</body></html>
`;
}
