import type { WorldContext } from "../context.js";
import type { GuestMemory } from "./guest-memory.js";

export type { ActiveCall, LogLevel, ProbeLogRecord, RequestView, WorldContext } from "../context.js";
export { LOG_LEVELS } from "../context.js";

/**
 * Everything one probe instance's fast-path imports need: the world's
 * shared context plus the guest memory they decode arguments from and
 * write results to.
 */
export interface ProbeContext extends WorldContext {
  readonly memory: GuestMemory;
}

/**
 * Read a guest string, counting it when it is cut to `maxStringUnits`
 * (`string-truncated`): the decoding side is where a cut is seen, so this is
 * the one place that counts it on the fast path. A function of the context,
 * not a closure per instance, so it stays monomorphic across probes.
 */
export function readCountedString(ctx: ProbeContext, ptr: number, len: number): string {
  const memory = ctx.memory;
  if (memory.isTruncated(len)) ctx.stats.drop("string-truncated");
  return memory.readString(ptr, len);
}
