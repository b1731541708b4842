import type { GuestMemory } from "../abi/guest-memory.js";
import type { WorldContext } from "../world/context.js";

export type { ActiveCall, LogLevel, ProbeLogRecord, RequestView, WorldContext } from "../world/context.js";
export { LOG_LEVELS } from "../world/context.js";

/**
 * Everything one probe instance's fast-path imports need: the world's
 * shared context plus the guest memory they decode arguments from and
 * write results to.
 */
export interface ProbeContext extends WorldContext {
  readonly memory: GuestMemory;
}
