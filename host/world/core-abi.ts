import type { FuncType, ValType } from "../wasm/types.js";
import type { Capability } from "./manifest.js";
import { ASSEMBLYSCRIPT_ENV, INTERFACES, worldInterface } from "./names.js";

/**
 * Every import a probe may declare: the canonical-ABI lowering of the probe
 * world (wit/probe.wit, string-encoding=utf16) plus AssemblyScript's
 * `env.abort`. Anything else is refused before instantiation. Which
 * functions pass strings, and which interfaces the fast path provides, are
 * derived from this one table.
 */
export interface CoreImport {
  readonly module: string;
  readonly name: string;
  readonly type: FuncType;
  /** Manifest capability the import needs, if any. */
  readonly capability?: Capability;
  /** A parameter is a string, lowered to (ptr, len). */
  readonly takesString: boolean;
  /** The import returns a string through the guest's `cabi_realloc`. */
  readonly returnsString: boolean;
  /**
   * How the sandbox may carry this import's one 64-bit integer as an f64
   * (host/load/lower-i64.ts): its last parameter, unsigned or signed, or its
   * unsigned result. Only where the host reads or makes the value as a
   * JavaScript number anyway (docs/metering.md says what that rounds).
   */
  readonly f64?: F64Carry;
}

/** Which 64-bit integer of an import can cross as an f64. */
export type F64Carry = "last-param-u64" | "last-param-s64" | "result-u64";

const I32 = "i32" as const;
const I64 = "i64" as const;
const F64 = "f64" as const;
/** A string parameter: lowered to (ptr, len). */
const STR = "string" as const;
type Param = ValType | typeof STR;

function fn(
  module: string,
  name: string,
  params: readonly Param[],
  results: readonly ValType[] = [],
  extra: { capability?: Capability; returnsString?: boolean; f64?: F64Carry } = {},
): CoreImport {
  return {
    module,
    name,
    type: { params: params.flatMap((p) => (p === STR ? [I32, I32] : [p])), results },
    takesString: params.includes(STR),
    returnsString: extra.returnsString === true,
    ...(extra.capability ? { capability: extra.capability } : {}),
    ...(extra.f64 ? { f64: extra.f64 } : {}),
  };
}

const { monotonicClock, wallClock, trace, http, metrics, log } = INTERFACES;

const TABLE: readonly CoreImport[] = [
  // Instants and durations the host makes are JavaScript numbers (integers): exact as f64.
  fn(monotonicClock, "now", [], [I64], { f64: "result-u64" }),
  fn(monotonicClock, "resolution", [], [I64], { f64: "result-u64" }),
  // datetime results go to a return area.
  fn(wallClock, "now", [I32]),
  fn(wallClock, "resolution", [I32]),

  fn(trace, "current-context", [I32]),
  fn(trace, "tracestate", [I32], [], { returnsString: true }),
  fn(trace, "start-span", [STR, I32, I32], [I32]),
  fn(trace, "start-span-at", [STR, I32, I32, I64], [I32], { f64: "last-param-u64" }),
  fn(trace, "set-attribute-string", [I32, STR, STR]),
  // The host forwards the value as a JavaScript number: f64.convert_i64_s rounds as Number(bigint) does.
  fn(trace, "set-attribute-int", [I32, STR, I64], [], { f64: "last-param-s64" }),
  fn(trace, "set-attribute-float", [I32, STR, F64]),
  fn(trace, "set-attribute-bool", [I32, STR, I32]),
  fn(trace, "add-event", [I32, STR]),
  fn(trace, "add-event-with-attribute", [I32, STR, STR, STR]),
  // add-link(span, link: span-context): the record flattens to (i64, i64, i64, i32).
  fn(trace, "add-link", [I32, I64, I64, I64, I32]),
  fn(trace, "set-status", [I32, I32, STR]),
  fn(trace, "end-span", [I32]),
  fn(trace, "end-span-at", [I32, I64], [], { f64: "last-param-u64" }),
  fn(trace, "sample", [I32]),

  fn(http, "method", [I32], [], { capability: "http.method", returnsString: true }),
  fn(http, "route", [I32], [], { capability: "http.route", returnsString: true }),
  fn(http, "status", [], [I32], { capability: "http.status" }),
  fn(http, "received-at", [], [I64], { capability: "http.received-at", f64: "result-u64" }),
  // option<string> result: a return area with a flag, then (ptr, len).
  fn(http, "header", [STR, I32], [], { capability: "http.header", returnsString: true }),

  fn(metrics, "counter-add", [STR, F64, STR, STR]),
  fn(metrics, "histogram-record", [STR, F64, STR, STR]),

  fn(log, "log", [I32, STR]),
  fn(log, "abort", [STR, STR, I32, I32]),

  // AssemblyScript's default abort(message, fileName, line, column) for probes
  // built without the SDK's abort: pointers to its own string objects.
  fn(ASSEMBLYSCRIPT_ENV, "abort", [I32, I32, I32, I32]),
];

function key(module: string, name: string): string {
  return `${module}#${name}`;
}

/** The allowed imports by "module#name". */
export const CORE_IMPORTS: ReadonlyMap<string, CoreImport> = new Map(TABLE.map((e) => [key(e.module, e.name), e]));

/**
 * The allowed import `module.name`, if any. `module` may name a world
 * interface at a semver-compatible version (names.ts `worldInterface`); the
 * entry returned carries the world's own name.
 */
export function coreImport(module: string, name: string): CoreImport | undefined {
  const canonical = worldInterface(module) ?? module;
  return CORE_IMPORTS.get(key(canonical, name));
}

/** Functions of the probe world that pass a string across the boundary (parameter or result), as "module#name". */
export const STRING_FUNCTIONS: ReadonlySet<string> = new Set(
  TABLE.filter((e) => e.module !== ASSEMBLYSCRIPT_ENV && (e.takesString || e.returnsString)).map((e) =>
    key(e.module, e.name),
  ),
);

/** The interfaces whose lowering the fast path provides: what a probe component's core module may import. */
export const FAST_PATH_INTERFACES: ReadonlySet<string> = new Set(
  TABLE.filter((e) => e.module !== ASSEMBLYSCRIPT_ENV).map((e) => e.module),
);

/** The core type of every hook and of `init`. */
export const HOOK_TYPE: FuncType = { params: [], results: [] };
/** cabi_realloc(old_ptr, old_size, align, new_size) -> ptr. */
export const REALLOC_TYPE: FuncType = { params: [I32, I32, I32, I32], results: [I32] };

export function describeFuncType(type: FuncType): string {
  return `(${type.params.join(" ")}) -> (${type.results.join(" ")})`;
}
