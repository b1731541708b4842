import { Op } from "../../wasm/opcodes.js";

/**
 * The cost model (COST_MODEL_VERSION 5): every instruction of the original
 * code costs 1 fuel, charged statically per region, or per segment in large
 * regions (version 3; see analyze.ts),
 * `memory.grow` `MEMORY_GROW_COST` more (version 2) and each page it adds
 * `1 << MEMORY_PAGE_SHIFT` more (version 5), and a call that can reach an
 * imported function `IMPORT_CALL_COST` more (version 4). Version 5 also
 * bounds call depth (CALL_DEPTH_LIMIT), which costs no fuel. The
 * instructions whose work grows with an operand also pay for that operand,
 * at run time, before they run: `length >>> shift` more fuel, where length is
 * the operand on top of the stack (bytes for memory, elements for tables).
 */
export const INSTRUCTION_COST = 1;

/**
 * Extra fuel for one `memory.grow`: it calls into the engine (~28 ns when it
 * fails at the cap, more when it commits pages), ~200x a plain instruction,
 * so a grow loop would otherwise run ~25x longer per fuel than any other
 * code and a budget in time (FUEL_PER_MS) could not hold (docs/metering.md).
 */
export const MEMORY_GROW_COST = 200;

/**
 * Extra fuel for each page a `memory.grow` adds (cost model 5), as
 * `pages << MEMORY_PAGE_SHIFT`: 4096 fuel, ~8 us at FUEL_PER_MS. A grown
 * page costs the engine ~1.2-7 us to commit and, once its instance is
 * dropped, ~5 us of garbage collection to free (a 10 MB grow per call:
 * ~0.76 ms of collector time per call, and p90 calls of ~3 ms), which a flat
 * charge did not see. Charged before the grow, and only when it can succeed
 * (a grow past the maximum fails and pays MEMORY_GROW_COST alone). One
 * default budget grows ~120 pages (7.5 MB) at most.
 */
export const MEMORY_PAGE_SHIFT = 12;

/**
 * Extra fuel for a call to an imported function: a round trip into the host
 * costs ~50-80 ns even when the host refuses the call at once (a span start
 * over its quota, a log line over its window), ~40 fuel at FUEL_PER_MS's
 * 2 ns, where the `call` instruction alone costs 1. Without it a loop of
 * refused host calls ran ~8 ns per fuel, 4x longer than the budget in time
 * allows (docs/metering.md, section 9). A `call_indirect` costs it too in a
 * module whose tables can hold an import (some `ref.func` or element
 * segment names one).
 */
export const IMPORT_CALL_COST = 40;

/**
 * The most nested calls of counted functions one stack may hold (cost
 * model 5, depth.ts): an entry past it traps (E_PROBE_TRAP "stack overflow") before V8's own stack
 * runs out. Unwinding a trap costs ~70 ns a frame: V8's stack holds ~33 000
 * small frames (~2 ms to unwind), this many ~0.3 ms.
 */
export const CALL_DEPTH_LIMIT = 4096;

/**
 * Uncounted calls a stack may hold besides: the longest path through the
 * call graph's components. A module whose longest path is longer (a chain of
 * thousands of distinct functions) counts every function instead.
 */
export const CALL_DEPTH_PATH_LIMIT = 1024;

/** Opcode -> shift of the per-length charge: memory ops pay 1 per 8 bytes, table ops 1 per element. */
export const DYNAMIC_SHIFT: ReadonlyMap<number, number> = new Map([
  [Op.memoryFill, 3],
  [Op.memoryCopy, 3],
  [Op.memoryInit, 3],
  [Op.tableFill, 0],
  [Op.tableCopy, 0],
  [Op.tableInit, 0],
  [Op.tableGrow, 0],
]);

/**
 * Regions costing more than this are charged segment by segment (cost model
 * 3). Charging a whole region per entry charges every arm of every `if` and
 * `br_table` in it: for an interpreter's dispatch loop (componentize-js's
 * StarlingMonkey) that over-charged ~1000x. Smaller regions keep one charge,
 * so loop-heavy code pays no more checks than before.
 */
export const SEGMENTED_REGION_COST = 256;

/**
 * Functions with no loop and no dynamic cost can be charged by their callers
 * (their worst case, every branch taken, is a constant); beyond this worst
 * case they charge themselves, segment by segment. Version 2 allowed 65 536,
 * which charged a caller for every arm of large switch-like helpers: the
 * JavaScript probe's empty hook cost ~1.08 M fuel with that limit, ~130 000
 * with this one; AssemblyScript probes pay <= ~1.5 ns more per hook.
 */
export const STATIC_COST_LIMIT = SEGMENTED_REGION_COST;

/**
 * The most one charge may be. With the counter at most 2^31 - 1 and never
 * charged while negative, a charge up to 2^30 (or a dynamic charge, at most
 * 2^29) cannot overflow the i32 counter.
 */
export const REGION_CHARGE_LIMIT = 1 << 30;

/**
 * The most one run-time length charge may be (2^29): memory lengths shifted
 * by 3 stay below it; table lengths (unshifted) are clamped to it, since an
 * i32 of 2^31 or more would subtract as a negative number and add fuel, and
 * a charge past 2^30 could leave the counter at DEPTH_EXCEEDED. Any length
 * that large fails anyway (tables are capped at tableElements).
 */
export const DYNAMIC_CHARGE_LIMIT = 1 << 29;
