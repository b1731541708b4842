import { SandprobeError } from "../../errors.js";
import type { Export, FuncType, ParsedModule, Section, ValType } from "../../wasm/index.js";
import {
  ByteReader,
  ByteWriter,
  concatBytes,
  customSections,
  encodeCustomSection,
  encodeName,
  encodeS32,
  encodeU32,
  parseModule,
  replaceSections,
  SectionId,
  sameFuncType,
} from "../../wasm/index.js";
import type { I64Lowering } from "../lower-i64.js";
import {
  COST_MODEL_VERSION,
  DEPTH_EXPORT,
  encodeMeteringInfo,
  FUEL_EXPORT,
  METERING_SECTION,
  type MeteringInfo,
  START_EXPORT,
} from "./abi.js";
import { analyzeBody, CodeAnalysis } from "./analyze.js";
import { CALL_DEPTH_LIMIT } from "./cost.js";
import { type DepthPlan, planCallDepth } from "./depth.js";
import { type EmitContext, emitBody, emitWrapper } from "./emit.js";
import { type MeterPlan, planMetering } from "./plan.js";
import { type ModuleFacts, scanModule } from "./scan.js";

export interface MeterOptions {
  /**
   * Exported functions to turn into metered entries: the hooks and `init`.
   * Names the module does not export as a function are left out (the result's
   * `info.entries` lists the ones rewritten). Every other exported function
   * stays callable as it was, charging the fuel counter as it stands.
   */
  readonly entries: readonly string[];
  /**
   * Imports to call through their f64 twins (lower-i64.ts): the code converts
   * around each call of them, and the twins' types are appended to the type
   * section; the import section itself is the caller's to rewrite.
   */
  readonly lowering?: I64Lowering;
  /**
   * Per imported function, 1 when the host may call back into the module's
   * exported functions while it runs (as an import returning a string calls
   * `cabi_realloc`). Recursion through such a call counts toward the call
   * depth (depth.ts). Without it every import may.
   */
  readonly reentrant?: Uint8Array;
  /**
   * The memory's maximum in pages once resource limits apply (limitResources
   * caps it): a `memory.grow` that can succeed pays for its pages. Without
   * it, the module's own declared maximum, or 65 536.
   */
  readonly memoryMaxPages?: number;
}

export interface MeteredModule {
  readonly bytes: Uint8Array;
  readonly info: MeteringInfo;
}

/** About the size of an entry wrapper's body (room for a one-byte size prefix). */
const WRAPPER_SIZE = 64;

const VALTYPE_BYTE: Record<ValType, number> = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
  funcref: 0x70,
  externref: 0x6f,
};

function encodeFuncType(type: FuncType): number[] {
  return [
    0x60,
    ...encodeU32(type.params.length),
    ...type.params.map((t) => VALTYPE_BYTE[t]),
    ...encodeU32(type.results.length),
    ...type.results.map((t) => VALTYPE_BYTE[t]),
  ];
}

/**
 * Instrument a core module for fuel metering (docs/metering.md): a pure
 * function of the bytes and options, so it gives the same bytes ahead of time
 * as at load time. Throws E_MALFORMED for bytes it cannot make sense of,
 * E_UNSUPPORTED_OPCODE for instructions outside the accepted feature set and
 * E_UNSUPPORTED for modules already metered or too large to meter.
 */
export function meterModule(bytes: Uint8Array, options: MeterOptions): MeteredModule {
  const module = parseModule(bytes);
  const metering = meterReplacements(module, options);
  return {
    bytes: replaceSections(bytes, module.sections, metering.replacements, metering.trailer),
    info: metering.info,
  };
}

/** What metering changes in a module: sections to replace (or remove: null), sections to append, and the description. */
export interface MeteringChanges {
  readonly replacements: Map<number, Uint8Array | null>;
  readonly trailer: readonly Uint8Array[];
  readonly info: MeteringInfo;
}

/**
 * The metering rewrite of a module parsed once, as section replacements
 * (type, function, global, export, code, start) plus the metering section to
 * append; `meterModule` applies them. Only the import, table and memory
 * sections are left alone, so resource limits apply in the same rebuild.
 *
 * Each step is a function of its own: V8 optimizes a function as a whole, and
 * this one as a single function took ~65-120 ms of compiler time, twice, in
 * the first loads of a process (`node --trace-opt`).
 */
export function meterReplacements(
  module: ParsedModule,
  options: MeterOptions,
  facts: ModuleFacts = scanModule(module),
): MeteringChanges {
  const { info, content, entryExports } = meteredInterface(module, options);
  const lowering = options.lowering;
  const { importedFuncs, funcCount } = facts;
  const wanted = new Set(options.entries);

  const code = analyzeCode(module, facts);
  const { plan, depth } = planFunctions(module, facts, code, wanted, options);

  // One wrapper per distinct target (each entry, and the start function), numbered after every existing function.
  const wrapperOf = new Map<number, number>();
  const targets: number[] = [];
  const addTarget = (func: number): number => {
    let wrapper = wrapperOf.get(func);
    if (wrapper === undefined) {
      wrapper = funcCount + targets.length;
      wrapperOf.set(func, wrapper);
      targets.push(func);
    }
    return wrapper;
  };
  for (const exp of entryExports) addTarget(exp.index);
  const startWrapper = facts.start === undefined ? undefined : addTarget(facts.start);

  // Types: the import twins', then the wrappers' (params..., i32) -> (results..., i32), then the
  // blocks of counted functions, reusing equal types.
  const types = new TypeList(module.types, lowering?.addedTypes ?? []);
  const wrapperTypes = targets.map((target) => {
    const base = funcType(module, facts, target);
    return types.indexOf({ params: [...base.params, "i32"], results: [...base.results, "i32"] });
  });
  const depthBlockType = depthBlockTypes(module, facts, depth, types);

  const fuelIndex = facts.globalCount;
  const emit: EmitContext = {
    bytes: module.bytes,
    importCount: importedFuncs,
    fuel: fuelIndex,
    code,
    plan,
    carry: lowering?.carry,
    depth,
    depthGlobal: fuelIndex + 1,
    depthBlockType,
    memoryMaxPages: options.memoryMaxPages ?? memoryMaxPages(module),
  };

  const replacements = new Map<number, Uint8Array | null>();
  replacements.set(SectionId.code, codeSection(module, facts, emit, targets));
  // The code section was the analysis's last reader.
  code.release();
  if (types.added.length > 0) replacements.set(SectionId.type, types.section(module));
  if (targets.length > 0) replacements.set(SectionId.function, functionSection(module, wrapperTypes));
  replacements.set(SectionId.global, globalSection(module, facts));
  replacements.set(SectionId.export, exportSection(module, wanted, wrapperOf, fuelIndex, startWrapper));
  if (facts.start !== undefined) replacements.set(SectionId.start, null);

  return { replacements, trailer: [encodeCustomSection(METERING_SECTION, content)], info };
}

function funcType(module: ParsedModule, facts: ModuleFacts, func: number): FuncType {
  return module.types[facts.funcTypes[func] as number] as FuncType;
}

/** Pass 1: analyze every body. */
function analyzeCode(module: ParsedModule, facts: ModuleFacts): CodeAnalysis {
  const { importedFuncs, funcCount } = facts;
  const ctx = {
    funcCount,
    importedFuncs,
    globalCount: facts.globalCount,
    typeCount: module.types.length,
    referenced: facts.referenced,
  };
  const bodyCount = facts.bodyStart.length;
  const codeBytes = bodyCount === 0 ? 0 : (facts.bodyEnd[bodyCount - 1] as number) - (facts.bodyStart[0] as number);
  const code = new CodeAnalysis(bodyCount, codeBytes);
  for (let i = 0; i < bodyCount; i++) {
    const params = funcType(module, facts, importedFuncs + i).params.length;
    analyzeBody(code, i, module.bytes, facts.bodyStart[i] as number, facts.bodyEnd[i] as number, params, ctx);
  }
  // Now that every ref.func is known: can a table hold an import?
  if (facts.referenced.subarray(0, importedFuncs).includes(1)) code.chargeIndirectImports();
  return code;
}

/** Each function's mode and charges (plan.ts), and which functions count toward the call depth (depth.ts). */
function planFunctions(
  module: ParsedModule,
  facts: ModuleFacts,
  code: CodeAnalysis,
  wanted: ReadonlySet<string>,
  options: MeterOptions,
): { plan: MeterPlan; depth: DepthPlan } {
  const { importedFuncs, funcCount } = facts;
  // Functions the code we see is not the only caller of: in a table, named by ref.func, or exported
  // under a name that is not an entry (the host may call those back while an import runs).
  const escapes = new Uint8Array(code.count);
  for (let f = importedFuncs; f < funcCount; f++) escapes[f - importedFuncs] = facts.referenced[f] as number;
  const callbacks: number[] = [];
  for (const exp of module.exports) {
    if (exp.kind === "func" && !wanted.has(exp.name) && exp.index >= importedFuncs) {
      escapes[exp.index - importedFuncs] = 1;
      callbacks.push(exp.index);
    }
  }
  const plan = planMetering(code, importedFuncs, escapes);
  const depth = planCallDepth({
    code,
    importCount: importedFuncs,
    referenced: tableReach(module, facts),
    callbacks,
    reentrant: options.reentrant ?? new Uint8Array(importedFuncs).fill(1),
  });
  return { plan, depth };
}

/** The module's types plus those metering adds, each added once; `section` encodes them all. */
class TypeList {
  private readonly all: FuncType[];
  /** The encodings of the added types, in order. */
  readonly added: number[][];

  constructor(existing: readonly FuncType[], added: readonly FuncType[]) {
    this.all = [...existing, ...added];
    this.added = added.map(encodeFuncType);
  }

  /** The index of `type`, added at the end when no type equals it. */
  indexOf(type: FuncType): number {
    const found = this.all.findIndex((t) => sameFuncType(t, type));
    if (found >= 0) return found;
    this.added.push(encodeFuncType(type));
    return this.all.push(type) - 1;
  }

  section(module: ParsedModule): Uint8Array {
    const typeSection = module.sections.find((s) => s.id === SectionId.type);
    const oldEntries = typeSection ? entriesOf(module.bytes, typeSection) : new Uint8Array(0);
    return concatBytes([Uint8Array.from(encodeU32(this.all.length)), oldEntries, Uint8Array.from(this.added.flat())]);
  }
}

/**
 * The block type a counted function's body is wrapped in: its results, as
 * one byte when there is at most one (negated, see EmitContext), else the
 * index of a type () -> results.
 */
function depthBlockTypes(module: ParsedModule, facts: ModuleFacts, depth: DepthPlan, types: TypeList): Int32Array {
  const bodyCount = facts.bodyStart.length;
  const blockType = new Int32Array(depth.none ? 0 : bodyCount);
  if (depth.none) return blockType;
  for (let i = 0; i < bodyCount; i++) {
    if (depth.counted[i] !== 1) continue;
    const results = funcType(module, facts, facts.importedFuncs + i).results;
    if (results.length <= 1) blockType[i] = -(results.length === 0 ? 0x40 : VALTYPE_BYTE[results[0] as ValType]);
    else blockType[i] = types.indexOf({ params: [], results });
  }
  return blockType;
}

/**
 * Pass 2: the code section. Each body is written in place after room for its size,
 * guessed from the original body's (metering rarely changes how many bytes the size takes).
 */
function codeSection(module: ParsedModule, facts: ModuleFacts, emit: EmitContext, targets: number[]): Uint8Array {
  const { code } = emit;
  const bodyCount = code.count;
  const out = new ByteWriter(module.bytes.length + 64 * (bodyCount + targets.length));
  out.u32(bodyCount + targets.length);
  for (let i = 0; i < bodyCount; i++) {
    const expected = (code.end[i] as number) - (code.start[i] as number);
    const mark = out.beginSized(expected);
    emitBody(out, emit, i);
    out.endSized(mark, expected);
  }
  for (const target of targets) {
    const mark = out.beginSized(WRAPPER_SIZE);
    emitWrapper(out, emit, { target, paramCount: funcType(module, facts, target).params.length });
    out.endSized(mark, WRAPPER_SIZE);
  }
  return out.view();
}

/** The function section with the wrappers' types appended. */
function functionSection(module: ParsedModule, wrapperTypes: readonly number[]): Uint8Array {
  const fnSection = module.sections.find((s) => s.id === SectionId.function);
  const oldEntries = fnSection ? entriesOf(module.bytes, fnSection) : new Uint8Array(0);
  return concatBytes([
    Uint8Array.from(encodeU32(module.functions.length + wrapperTypes.length)),
    oldEntries,
    Uint8Array.from(wrapperTypes.flatMap((t) => encodeU32(t))),
  ]);
}

/**
 * The global section with the fuel counter, (global (mut i32) (i32.const 0)),
 * and the depth left, (global (mut i32) (i32.const CALL_DEPTH_LIMIT)), after
 * every existing global. The depth is there even when no function counts:
 * the interface does not depend on the code.
 */
function globalSection(module: ParsedModule, facts: ModuleFacts): Uint8Array {
  const added = [
    Uint8Array.of(0x7f, 0x01, 0x41, 0x00, 0x0b),
    Uint8Array.from([0x7f, 0x01, 0x41, ...encodeS32(CALL_DEPTH_LIMIT), 0x0b]),
  ];
  const globals = facts.globalEntries;
  return concatBytes([
    Uint8Array.from(encodeU32((globals?.count ?? 0) + added.length)),
    globals ? module.bytes.subarray(globals.start, globals.end) : new Uint8Array(0),
    ...added,
  ]);
}

/**
 * The export section: entries now name their wrappers; the fuel counter, the
 * depth and start are added. Every other entry is copied byte for byte from
 * the original section (no re-encoding per name).
 */
function exportSection(
  module: ParsedModule,
  wanted: ReadonlySet<string>,
  wrapperOf: ReadonlyMap<number, number>,
  fuelIndex: number,
  startWrapper: number | undefined,
): Uint8Array {
  const bytes = module.bytes;
  const exportsOf = module.sections.find((s) => s.id === SectionId.export);
  const exportCount = module.exports.length + 2 + (startWrapper === undefined ? 0 : 1);
  const out = new ByteWriter(64 + (exportsOf?.end ?? 0) - (exportsOf?.payloadStart ?? 0)).u32(exportCount);
  if (exportsOf) {
    const r = new ByteReader(bytes, exportsOf.payloadStart, exportsOf.end);
    r.u32();
    // Unchanged entries are copied as runs, one copy between two rewritten entries.
    let run = r.pos;
    for (const exp of module.exports) {
      const nameLength = r.u32();
      r.pos += nameLength; // the name, checked by parseModule
      const nameEnd = r.pos;
      r.u8();
      r.u32();
      if (exp.kind === "func" && wanted.has(exp.name)) {
        out
          .range(bytes, run, nameEnd)
          .u8(0)
          .u32(wrapperOf.get(exp.index) as number);
        run = r.pos;
      }
    }
    out.range(bytes, run, r.pos);
  }
  out.bytes(encodeName(FUEL_EXPORT)).u8(3).u32(fuelIndex);
  out
    .bytes(encodeName(DEPTH_EXPORT))
    .u8(3)
    .u32(fuelIndex + 1);
  if (startWrapper !== undefined) out.bytes(encodeName(START_EXPORT)).u8(0).u32(startWrapper);
  return out.finish();
}

/** What metering makes of a module's interface; the code does not change it. */
export interface MeteredInterface {
  readonly info: MeteringInfo;
  /** The exported functions named in the options, in export order: the entries metering rewrites. */
  readonly entryExports: readonly Export[];
  /** Exports metering adds after the module's own (which keep their names, kinds and order). */
  readonly addedExports: readonly { readonly name: string; readonly kind: "func" | "global" }[];
  /** The content of the METERING_SECTION custom section metering appends (after its name). */
  readonly content: Uint8Array;
}

/**
 * The interface of the metered module, from the module's exports and start
 * section alone, without reading any code: what `meterReplacements` writes,
 * and what a module precompiled from its output must show. Throws
 * E_UNSUPPORTED for a module already metered or using the ABI's export names.
 */
export function meteredInterface(module: ParsedModule, options: MeterOptions): MeteredInterface {
  if (customSections(module.bytes, module.sections, METERING_SECTION).length > 0) {
    throw new SandprobeError("E_UNSUPPORTED", `the module already carries a ${METERING_SECTION} section`);
  }
  for (const exp of module.exports) {
    if (exp.name === FUEL_EXPORT || exp.name === DEPTH_EXPORT || exp.name === START_EXPORT) {
      throw new SandprobeError("E_UNSUPPORTED", `export name "${exp.name}" is reserved for the metering ABI`);
    }
  }
  const wanted = new Set(options.entries);
  const entryExports = module.exports.filter((e) => e.kind === "func" && wanted.has(e.name));
  const hasStart = module.sections.some((s) => s.id === SectionId.start);
  const info: MeteringInfo = {
    version: 1,
    costModel: COST_MODEL_VERSION,
    fuelExport: FUEL_EXPORT,
    startExport: hasStart ? START_EXPORT : null,
    entries: entryExports.map((e) => e.name),
  };
  const addedExports: MeteredInterface["addedExports"] = [
    { name: FUEL_EXPORT, kind: "global" },
    { name: DEPTH_EXPORT, kind: "global" },
    ...(hasStart ? [{ name: START_EXPORT, kind: "func" } as const] : []),
  ];
  return { info, entryExports, addedExports, content: encodeMeteringInfo(info) };
}

/** Pages a 32-bit memory can have. */
const MAX_PAGES = 65_536;

/**
 * The most pages the module's memory (defined or imported) can grow to when
 * its maximum is capped at `cap` (as limitResources caps it): its declared
 * maximum, the cap, or 65 536, whichever is least.
 */
export function memoryMaxPages(module: ParsedModule, cap = MAX_PAGES): number {
  const imported = module.imports.find((i) => i.desc.kind === "memory");
  const limits = imported?.desc.kind === "memory" ? imported.desc.limits : module.memories[0];
  return Math.min(limits?.max ?? cap, cap, MAX_PAGES);
}

/**
 * Functions a table may hold, imports first (1 = yes): those named by an
 * element segment or a `ref.func`, and, when a table is imported or
 * exported (the host could store into it), every exported function.
 */
function tableReach(module: ParsedModule, facts: ModuleFacts): Uint8Array {
  const sharedTable =
    module.imports.some((i) => i.desc.kind === "table") || module.exports.some((e) => e.kind === "table");
  if (!sharedTable) return facts.referenced;
  const reach = facts.referenced.slice();
  for (const exp of module.exports) if (exp.kind === "func") reach[exp.index] = 1;
  return reach;
}

/** The entries of a vector section: its payload after the count. */
function entriesOf(bytes: Uint8Array, section: Section): Uint8Array {
  const r = new ByteReader(bytes, section.payloadStart, section.end);
  r.u32();
  return bytes.subarray(r.pos, section.end);
}
