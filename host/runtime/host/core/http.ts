import type { ProbeSemantics } from "../semantics.js";
import { HEADER_NAME_UNITS } from "../semantics.js";
import type { ProbeContext } from "./context.js";

/**
 * The `http` interface lowered: request facts written to return areas.
 * Each import is gated by a manifest capability at load (runtime/admit.ts).
 */
export function httpImports(ctx: ProbeContext, world: ProbeSemantics) {
  const { memory } = ctx;
  return {
    method: (ret: number): void => memory.writeStringResult(ret, world.method()),
    route: (ret: number): void => memory.writeStringResult(ret, world.route()),
    status: (): number => world.status(),
    "received-at": (): bigint => BigInt(world.receivedAtNs()),
    // The twin a sandboxed module calls (host/load/lower-i64.ts): no BigInt.
    "received-at.f64": (): number => world.receivedAtNs(),
    header: (namePtr: number, nameLen: number, ret: number): void => {
      const value = world.header(memory.readString(namePtr, Math.min(nameLen >>> 0, HEADER_NAME_UNITS)));
      // option<string>: discriminant byte at ret, the string at ret + 4.
      if (value === undefined) {
        memory.writeU8(ret, 0);
        return;
      }
      memory.writeU8(ret, 1);
      memory.writeStringResult(ret + 4, value);
    },
  };
}
