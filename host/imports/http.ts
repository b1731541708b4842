import type { ProbeContext } from "./context.js";

/** sandprobe:probe/http@0.1.0: request facts, each import gated by a manifest capability at load. */
export function httpImports(ctx: ProbeContext) {
  const { memory } = ctx;
  const allowedHeaders = new Set(ctx.manifest.headers);
  return {
    method: (ret: number): void => memory.writeStringResult(ret, ctx.call?.request.method ?? ""),
    route: (ret: number): void => memory.writeStringResult(ret, ctx.call?.request.route ?? ""),
    status: (): number => ctx.call?.request.status ?? 0,
    "received-at": (): bigint => BigInt(ctx.call?.request.receivedAtNs ?? 0),
    header: (namePtr: number, nameLen: number, ret: number): void => {
      const name = memory.readString(namePtr, Math.min(nameLen >>> 0, 256)).toLowerCase();
      // option<string>: discriminant byte at ret, the string at ret + 4.
      const value = allowedHeaders.has(name) ? ctx.call?.request.header(name) : undefined;
      if (value === undefined) {
        memory.writeU8(ret, 0);
        return;
      }
      memory.writeU8(ret, 1);
      memory.writeStringResult(ret + 4, value);
    },
  };
}
