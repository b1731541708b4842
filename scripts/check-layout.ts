/**
 * `npm run check` (and `npm test`): host/'s layout rules, which the compiler
 * cannot see.
 *
 * 1. Dependencies between host/'s top-level folders run one way, down this
 *    list; an import that points up the list (and so any cycle between
 *    folders) is refused.
 * 2. The OpenTelemetry SDK and exporters (anything under @opentelemetry/
 *    but the API) are imported only in telemetry/, adapters/ and cli/: the
 *    core depends on @opentelemetry/api alone.
 */
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, posix, relative } from "node:path";

/** host/'s places, lowest first: a file may import from its own place and from places above it in this list. */
export const LAYERS: readonly string[] = [
  "errors",
  "wasm",
  "clock",
  "otel",
  "world",
  "trust",
  "load",
  "runtime",
  "telemetry",
  "adapters",
  "cli",
];

/** Places allowed to import the OpenTelemetry SDK and exporters. */
export const SDK_PLACES: readonly string[] = ["telemetry", "adapters", "cli"];

/** Packages of @opentelemetry/ the core may import. */
const API_PACKAGES = new Set(["@opentelemetry/api", "@opentelemetry/api-logs"]);

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

/** The place of a file under host/ ("index" for the entry files at its top). */
export function placeOf(file: string): string {
  const [first, second] = file.split("/");
  if (second === undefined) return (first as string).replace(/\.(ts|js)$/, "");
  return first as string;
}

export interface LayoutProblem {
  readonly file: string;
  readonly message: string;
}

/** Every import specifier in a TypeScript source (static, dynamic, re-exports, type-only). */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
  return [...code.matchAll(IMPORT)].map((m) => m[1] as string);
}

/**
 * The layout problems of a set of host/ sources, keyed by path relative to
 * host/ ("runtime/scope.ts"). Pure, so a test can show each rule fails.
 */
export function layoutProblems(sources: ReadonlyMap<string, string>): LayoutProblem[] {
  const problems: LayoutProblem[] = [];
  const edges = new Map<string, Set<string>>();
  for (const [file, source] of sources) {
    const from = placeOf(file);
    for (const spec of importsOf(source)) {
      if (spec.startsWith("@opentelemetry/") && !API_PACKAGES.has(spec) && !SDK_PLACES.includes(from)) {
        problems.push({ file, message: `imports ${spec}: only ${SDK_PLACES.join("/, ")}/ may use the SDK` });
      }
      if (!spec.startsWith(".")) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      if (target.startsWith("..")) continue; // outside host/
      const to = placeOf(target);
      if (to === from || from === "index") continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)?.add(to);
      const rankFrom = LAYERS.indexOf(from);
      const rankTo = LAYERS.indexOf(to);
      if (rankFrom < 0) problems.push({ file, message: `is in "${from}/", which is not one of host/'s places` });
      else if (rankTo < 0) problems.push({ file, message: `imports ${spec}, outside host/'s places` });
      else if (rankTo > rankFrom) {
        problems.push({ file, message: `imports ${spec}: ${from}/ may not depend on ${to}/ (it comes later)` });
      }
    }
  }
  for (const cycle of cycles(edges)) {
    problems.push({ file: `${cycle[0]}/`, message: `folders that import each other (a cycle): ${cycle.join(", ")}` });
  }
  return problems;
}

/** Strongly connected components with more than one node (Tarjan). */
function cycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    on.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (on.has(next)) {
        low.set(node, Math.min(low.get(node) as number, indices.get(next) as number));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        on.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) out.push(component.reverse());
    }
  };
  for (const node of edges.keys()) if (!indices.has(node)) visit(node);
  return out;
}

/** The .ts sources under `root`, keyed by path relative to it. */
export async function readSources(root: string): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith(".ts")) {
        sources.set(relative(root, path).split("\\").join("/"), await readFile(path, "utf8"));
      }
    }
  };
  await walk(root);
  return sources;
}

if (process.argv[1] && dirname(process.argv[1]).endsWith("scripts") && process.argv[1].includes("check-layout")) {
  const problems = layoutProblems(await readSources("host"));
  for (const p of problems) console.error(`host/${p.file}: ${p.message}`);
  if (problems.length > 0) {
    console.error(`check-layout: ${problems.length} problem(s); the rules are in scripts/check-layout.ts`);
    process.exit(1);
  }
  console.log(`check-layout: host/ follows its layout (${LAYERS.join(" < ")})`);
}
