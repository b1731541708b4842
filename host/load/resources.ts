import { type ErrorCode, SandprobeError } from "../errors.js";
import type { Limits, ParsedModule } from "../wasm/index.js";
import { ByteReader, ByteWriter, parseModule, readValType, replaceSections, SectionId } from "../wasm/index.js";
import { checkLimits, DEFAULT_LIMITS, type HostLimits } from "../world/limits.js";
import { worldInterface } from "../world/names.js";
import { F64_TWIN_SUFFIX_BYTES, type I64Lowering } from "./lower-i64.js";

const UTF8 = new TextEncoder();

/**
 * Static resource limits, applied by rewriting the module before it is
 * compiled: every memory and table gets a maximum no larger than the limits
 * allow, so growth past it fails inside WebAssembly (`memory.grow` and
 * `table.grow` return -1) and never reaches the host; modules that need more
 * from the start, or declare more globals than allowed, are refused.
 */
export type ResourceLimits = Pick<HostLimits, "memoryPages" | "tableElements" | "globals">;

function capped(limits: Limits, cap: number, code: ErrorCode, what: string): Limits {
  if (limits.min > cap) {
    throw new SandprobeError(code, `${what} needs at least ${limits.min} but the limit is ${cap}`, {
      minimum: limits.min,
      limit: cap,
    });
  }
  return { min: limits.min, max: Math.min(limits.max ?? cap, cap) };
}

function writeLimits(out: ByteWriter, limits: Limits): void {
  out
    .u8(0x01)
    .u32(limits.min)
    .u32(limits.max as number);
}

function readLimits(r: ByteReader): Limits {
  const flags = r.u8();
  if (flags > 1) r.fail(`limits flags 0x${flags.toString(16)}`, r.pos - 1);
  const min = r.u32();
  return { min, max: flags === 1 ? r.u32() : undefined };
}

/** Rewrite memory and table limits; refuse what cannot fit (E_MEMORY_LIMIT, E_TABLE_LIMIT, E_GLOBAL_LIMIT). */
export function limitResources(bytes: Uint8Array, limits: ResourceLimits = DEFAULT_LIMITS): Uint8Array {
  const module = parseModule(bytes);
  return replaceSections(bytes, module.sections, resourceReplacements(module, limits));
}

/**
 * The sections `limitResources` rewrites (import: limits and world
 * interface names; table, memory), as
 * replacements for `replaceSections`, from a module parsed once. The
 * metering pass touches other sections, so both apply in one rebuild.
 * Imports `lowering` names are declared as their f64 twins (lower-i64.ts),
 * whose types the metering pass appends.
 */
export function resourceReplacements(
  module: ParsedModule,
  limits: ResourceLimits,
  lowering?: I64Lowering,
): Map<number, Uint8Array> {
  checkLimits({ memoryPages: limits.memoryPages, tableElements: limits.tableElements, globals: limits.globals });
  const bytes = module.bytes;
  const replacements = new Map<number, Uint8Array>();
  let globals = 0;
  const memory = (l: Limits, i: number) => capped(l, limits.memoryPages, "E_MEMORY_LIMIT", `memory ${i}`);
  const table = (l: Limits, i: number) => capped(l, limits.tableElements, "E_TABLE_LIMIT", `table ${i}`);
  let memories = 0;
  let tables = 0;

  const importSection = section(module, SectionId.import);
  if (importSection) {
    const r = new ByteReader(bytes, importSection.payloadStart, importSection.end);
    const out = new ByteWriter(importSection.end - importSection.payloadStart + 16);
    const count = r.u32();
    out.u32(count);
    let funcs = 0;
    for (let i = 0; i < count; i++) {
      const from = r.pos;
      const moduleName = r.name();
      const afterModule = r.pos;
      const nameLength = r.u32();
      const nameStart = r.pos;
      r.pos += nameLength; // the name, checked by parseModule
      const kind = r.u8();
      const twinType = kind === 0 && lowering !== undefined ? (lowering.twinType[funcs++] as number) : -1;
      // A world interface imported at a semver-compatible version is linked
      // under the world's own name (world/names.ts worldInterface).
      const canonical = worldInterface(moduleName);
      if (canonical !== undefined && canonical !== moduleName) {
        const encoded = UTF8.encode(canonical);
        out.u32(encoded.length).bytes(encoded);
      } else out.range(bytes, from, afterModule);
      if (twinType >= 0) {
        r.u32();
        out.u32(nameLength + F64_TWIN_SUFFIX_BYTES.length).range(bytes, nameStart, nameStart + nameLength);
        out.bytes(F64_TWIN_SUFFIX_BYTES).u8(0).u32(twinType);
        continue;
      }
      out.range(bytes, afterModule, r.pos); // the name and the kind, as they were
      if (kind === 1) {
        const typeAt = r.pos;
        readValType(r);
        out.bytes(bytes.subarray(typeAt, r.pos));
        writeLimits(out, table(readLimits(r), tables++));
      } else if (kind === 2) {
        writeLimits(out, memory(readLimits(r), memories++));
      } else {
        // func and tag: an index (tag: attribute byte first); global: type and mutability.
        const descAt = r.pos;
        if (kind === 0) r.u32();
        else if (kind === 3) {
          readValType(r);
          r.u8();
          globals++;
        } else if (kind === 4) {
          r.u8();
          r.u32();
        } else r.fail(`unknown import kind ${kind}`, descAt - 1);
        out.bytes(bytes.subarray(descAt, r.pos));
      }
    }
    r.expectEnd("import section");
    replacements.set(SectionId.import, out.finish());
  }

  const tableSection = section(module, SectionId.table);
  if (tableSection) {
    const r = new ByteReader(bytes, tableSection.payloadStart, tableSection.end);
    const out = new ByteWriter(32);
    const count = r.u32();
    out.u32(count);
    for (let i = 0; i < count; i++) {
      const typeAt = r.pos;
      if (r.u8() === 0x40) {
        throw new SandprobeError("E_UNSUPPORTED", `table with an initializer (function references) at byte ${typeAt}`, {
          offset: typeAt,
        });
      }
      r.pos = typeAt;
      readValType(r);
      out.bytes(bytes.subarray(typeAt, r.pos));
      writeLimits(out, table(readLimits(r), tables++));
    }
    r.expectEnd("table section");
    replacements.set(SectionId.table, out.finish());
  }

  const memorySection = section(module, SectionId.memory);
  if (memorySection) {
    const out = new ByteWriter(16);
    out.u32(module.memories.length);
    for (const limits of module.memories) writeLimits(out, memory(limits, memories++));
    replacements.set(SectionId.memory, out.finish());
  }

  const globalSection = section(module, SectionId.global);
  if (globalSection) globals += new ByteReader(bytes, globalSection.payloadStart, globalSection.end).u32();
  if (globals > limits.globals) {
    throw new SandprobeError("E_GLOBAL_LIMIT", `the module has ${globals} globals; the limit is ${limits.globals}`, {
      globals,
      limit: limits.globals,
    });
  }
  return replacements;
}

function section(module: ParsedModule, id: number) {
  return module.sections.find((s) => s.id === id);
}
