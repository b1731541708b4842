import type { ProbeSemantics } from "../semantics.js";
import { ABORT_FILE_UNITS, ABORT_MESSAGE_UNITS } from "../semantics.js";
import type { ProbeContext } from "./context.js";

/**
 * The `log` interface lowered: the quota is decided from the length
 * before the line is decoded, so a refused flood costs no decoding.
 */
export function logImports(ctx: ProbeContext, world: ProbeSemantics) {
  const { memory, limits } = ctx;
  return {
    log: (level: number, ptr: number, len: number): void => {
      const units = len >>> 0;
      if (world.logAdmit(units))
        world.log(level, memory.readString(ptr, Math.min(units, limits.logUnitsPerInvocation)));
    },
    abort: (msgPtr: number, msgLen: number, filePtr: number, fileLen: number, line: number, column: number): void => {
      const message = memory.readString(msgPtr, Math.min(msgLen >>> 0, ABORT_MESSAGE_UNITS));
      const file = memory.readString(filePtr, Math.min(fileLen >>> 0, ABORT_FILE_UNITS));
      world.abort(message, file, line, column);
    },
  };
}
