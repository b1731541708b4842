import { FUEL_EXPORT, START_EXPORT, takeMeteredTrap } from "../../../host/load/index.js";
import { parseModule } from "../../../host/wasm/index.js";

/** An import object that gives every function import a stub returning zero (0n for i64). */
export function stubImports(bytes: Uint8Array): WebAssembly.Imports {
  const module = parseModule(bytes);
  const imports: Record<string, Record<string, () => number | bigint>> = {};
  for (const imp of module.imports) {
    if (imp.desc.kind !== "func") continue;
    const type = module.types[imp.desc.typeIndex];
    const zero = type?.results[0] === "i64" ? 0n : 0;
    imports[imp.module] ??= {};
    (imports[imp.module] as Record<string, () => number | bigint>)[imp.name] = () => zero;
  }
  return imports;
}

type Fn = (...args: unknown[]) => unknown;

export interface Loaded {
  readonly exports: WebAssembly.Exports;
  fn(name: string): Fn;
  /** The fuel counter (metered modules only). */
  fuel(): number;
}

export async function instantiate(bytes: Uint8Array, imports = stubImports(bytes)): Promise<Loaded> {
  const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, imports);
  const exports = instance.exports;
  return {
    exports,
    fn(name) {
      const f = exports[name];
      if (typeof f !== "function") throw new Error(`no exported function ${name}`);
      return f as Fn;
    },
    fuel() {
      return (exports[FUEL_EXPORT] as WebAssembly.Global).value as number;
    },
  };
}

/** Instantiate a metered module and run its start function (if any) with `startBudget`. */
export async function instantiateMetered(bytes: Uint8Array, startBudget = 10_000_000): Promise<Loaded> {
  const loaded = await instantiate(bytes);
  const start = loaded.exports[START_EXPORT];
  if (typeof start === "function") start(startBudget);
  return loaded;
}

/**
 * Run `f` on a metered instance: what it returned, or how it trapped: "fuel"
 * or "depth" (the metering's traps, told apart by takeMeteredTrap), "trap"
 * (any other trap), "stack" (V8's own stack overflow). Anything else is
 * rethrown.
 */
export function outcome(loaded: Loaded, f: () => unknown): unknown {
  try {
    return f();
  } catch (error) {
    const metered = takeMeteredTrap(loaded.exports);
    if (error instanceof WebAssembly.RuntimeError) return metered ?? "trap";
    if (error instanceof RangeError) return metered ?? "stack";
    throw error;
  }
}
