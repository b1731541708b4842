import { Op } from "../../wasm/opcodes.js";

/**
 * The cost model (COST_MODEL_VERSION 2): every instruction of the original
 * code costs 1 fuel, charged statically per region (see analyze.ts), and
 * `memory.grow` `MEMORY_GROW_COST` more (version 2). The
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
 * Functions with no loop, no indirect call and no dynamic cost can be charged
 * by their callers (their worst case is a constant); beyond this worst case
 * they charge themselves, so region costs stay far from i32 overflow.
 */
export const STATIC_COST_LIMIT = 1 << 16;

/**
 * The most one region may charge. With the counter at most 2^31 - 1 and never
 * charged while negative, a charge up to 2^30 (or a dynamic charge, at most
 * 2^29) cannot overflow the i32 counter.
 */
export const REGION_CHARGE_LIMIT = 1 << 30;
