import type { ProbeContext } from "./context.js";
import type { GuestMemory } from "./guest-memory.js";

/**
 * Read an AssemblyScript managed string: its byte length sits in the object
 * header 4 bytes before the pointer (the convention @assemblyscript/loader's
 * __getString decodes), UTF-16 data at the pointer.
 */
function readManagedString(memory: GuestMemory, ptr: number): string {
  if (ptr === 0) return "";
  const bytes = memory.readU32((ptr >>> 0) - 4);
  return memory.readString(ptr, Math.min(bytes >>> 1, 1024));
}

/** `env.abort(message, fileName, line, column)` for probes built without the SDK's abort. */
export function assemblyScriptImports(ctx: ProbeContext) {
  return {
    abort: (msgPtr: number, filePtr: number, line: number, column: number): void => {
      const message = readManagedString(ctx.memory, msgPtr);
      const file = readManagedString(ctx.memory, filePtr);
      ctx.abortMessage = `${message} (${file}:${line >>> 0}:${column >>> 0})`;
    },
  };
}
