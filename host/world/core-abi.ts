import type { FuncType, ValType } from "../wasm/types.js";
import type { Capability } from "./manifest.js";

/**
 * Every import a probe may declare: the canonical-ABI lowering of the probe
 * world (wit/probe.wit, string-encoding=utf16) plus AssemblyScript's
 * `env.abort`. Anything else is refused before instantiation.
 */
export interface AllowedImport {
  readonly module: string;
  readonly name: string;
  readonly type: FuncType;
  /** Manifest capability the import needs, if any. */
  readonly capability?: Capability;
  /** The import returns a string through the guest's `cabi_realloc`. */
  readonly returnsString?: boolean;
}

export const WASI_MONOTONIC_CLOCK = "wasi:clocks/monotonic-clock@0.2.0";
export const WASI_WALL_CLOCK = "wasi:clocks/wall-clock@0.2.0";
export const TRACE = "sandprobe:probe/trace@0.1.0";
export const HTTP = "sandprobe:probe/http@0.1.0";
export const METRICS = "sandprobe:probe/metrics@0.1.0";
export const LOG = "sandprobe:probe/log@0.1.0";
export const ASSEMBLYSCRIPT_ENV = "env";

function fn(params: ValType[], results: ValType[] = []): FuncType {
  return { params, results };
}

const I32 = "i32" as const;
const I64 = "i64" as const;
const F64 = "f64" as const;
const STR: ValType[] = [I32, I32];

const TABLE: AllowedImport[] = [
  { module: WASI_MONOTONIC_CLOCK, name: "now", type: fn([], [I64]) },
  { module: WASI_MONOTONIC_CLOCK, name: "resolution", type: fn([], [I64]) },
  { module: WASI_WALL_CLOCK, name: "now", type: fn([I32]) },
  { module: WASI_WALL_CLOCK, name: "resolution", type: fn([I32]) },

  { module: TRACE, name: "current-context", type: fn([I32]) },
  { module: TRACE, name: "tracestate", type: fn([I32]), returnsString: true },
  { module: TRACE, name: "start-span", type: fn([...STR, I32, I32], [I32]) },
  { module: TRACE, name: "start-span-at", type: fn([...STR, I32, I32, I64], [I32]) },
  { module: TRACE, name: "set-attribute-string", type: fn([I32, ...STR, ...STR]) },
  { module: TRACE, name: "set-attribute-int", type: fn([I32, ...STR, I64]) },
  { module: TRACE, name: "set-attribute-float", type: fn([I32, ...STR, F64]) },
  { module: TRACE, name: "set-attribute-bool", type: fn([I32, ...STR, I32]) },
  { module: TRACE, name: "add-event", type: fn([I32, ...STR]) },
  { module: TRACE, name: "add-event-with-attribute", type: fn([I32, ...STR, ...STR, ...STR]) },
  // add-link(span, link: span-context): the record flattens to (i64, i64, i64, i32).
  { module: TRACE, name: "add-link", type: fn([I32, I64, I64, I64, I32]) },
  { module: TRACE, name: "set-status", type: fn([I32, I32, ...STR]) },
  { module: TRACE, name: "end-span", type: fn([I32]) },
  { module: TRACE, name: "end-span-at", type: fn([I32, I64]) },
  { module: TRACE, name: "sample", type: fn([I32]) },

  { module: HTTP, name: "method", type: fn([I32]), capability: "http.method", returnsString: true },
  { module: HTTP, name: "route", type: fn([I32]), capability: "http.route", returnsString: true },
  { module: HTTP, name: "status", type: fn([], [I32]), capability: "http.status" },
  { module: HTTP, name: "received-at", type: fn([], [I64]), capability: "http.received-at" },
  { module: HTTP, name: "header", type: fn([...STR, I32]), capability: "http.header", returnsString: true },

  { module: METRICS, name: "counter-add", type: fn([...STR, F64, ...STR, ...STR]) },
  { module: METRICS, name: "histogram-record", type: fn([...STR, F64, ...STR, ...STR]) },

  { module: LOG, name: "log", type: fn([I32, ...STR]) },
  { module: LOG, name: "abort", type: fn([...STR, ...STR, I32, I32]) },

  // AssemblyScript's default abort(message, fileName, line, column) for probes
  // built without the SDK's abort; fast path only (not componentizable).
  { module: ASSEMBLYSCRIPT_ENV, name: "abort", type: fn([I32, I32, I32, I32]) },
];

export const ALLOWED_IMPORTS: ReadonlyMap<string, AllowedImport> = new Map(
  TABLE.map((entry) => [`${entry.module}#${entry.name}`, entry]),
);

export function sameFuncType(a: FuncType, b: FuncType): boolean {
  return (
    a.params.length === b.params.length &&
    a.results.length === b.results.length &&
    a.params.every((t, i) => t === b.params[i]) &&
    a.results.every((t, i) => t === b.results[i])
  );
}
