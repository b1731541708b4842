/**
 * Fuel metering on vs off for any probe: the same module plain and metered
 * as the sandbox meters it (meterModule, with the sandbox's entries), each
 * instantiated with stub imports (so only the guest's own code and its
 * metering are timed), hooks called in interleaved rounds. Not through
 * sandboxModule: its f64 crossing of 64-bit integers (load/lower-i64.ts)
 * makes imports cheaper, which would hide part of metering's cost.
 */
import { admitProbe } from "../../load/admit.js";
import { START_EXPORT } from "../../load/index.js";
import { meterModule } from "../../load/meter/index.js";
import { reentrantImports } from "../../load/sandbox.js";
import { parseModule } from "../../wasm/index.js";
import { DEFAULT_LIMITS, probeLimits } from "../../world/limits.js";
import { PROBE_ENTRIES } from "../../world/names.js";
import { type CompareOptions, compare } from "./harness.js";
import { comparisonRow, type Row } from "./report.js";

type Fn = (...args: number[]) => unknown;

/** Imports that return zero (0n for i64): the guest runs, the host does nothing. */
export function stubImports(bytes: Uint8Array): WebAssembly.Imports {
  const module = parseModule(bytes);
  const imports: Record<string, Record<string, () => number | bigint>> = {};
  for (const imp of module.imports) {
    if (imp.desc.kind !== "func") continue;
    const zero = module.types[imp.desc.typeIndex]?.results[0] === "i64" ? 0n : 0;
    imports[imp.module] ??= {};
    (imports[imp.module] as Record<string, () => number | bigint>)[imp.name] = () => zero;
  }
  return imports;
}

/** Rows "NAME.hook metered" vs "unmetered" for every hook the probe exports. */
export async function meteringRows(name: string, bytes: Uint8Array, options: CompareOptions): Promise<Row[]> {
  const admitted = admitProbe(bytes);
  const limits = probeLimits(DEFAULT_LIMITS, admitted.manifest.limits);
  const reentrant = reentrantImports(admitted.module);
  const sandboxed = meterModule(admitted.module.bytes, { entries: PROBE_ENTRIES, reentrant });
  const plain = (await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, stubImports(bytes))).instance.exports;
  const metered = (
    await WebAssembly.instantiate(sandboxed.bytes as Uint8Array<ArrayBuffer>, stubImports(sandboxed.bytes))
  ).instance.exports;
  (metered[START_EXPORT] as Fn | undefined)?.(limits.fuelForInit);
  (plain.init as Fn | undefined)?.();
  (metered.init as Fn | undefined)?.(limits.fuelForInit);
  const budget = limits.fuelPerHook;
  const rows: Row[] = [];
  for (const hook of admitted.hooks) {
    const p = plain[hook] as Fn;
    const m = metered[hook] as Fn;
    const c = await compare(
      {
        name: `${name}.${hook}() metered`,
        run: (n) => {
          for (let i = 0; i < n; i++) m(budget);
        },
      },
      {
        name: "unmetered",
        run: (n) => {
          for (let i = 0; i < n; i++) p();
        },
      },
      options,
    );
    rows.push(comparisonRow(c, c.name, `+${(c.subject.medianNs - c.base.medianNs).toFixed(1)} ns per call`));
  }
  return rows;
}
