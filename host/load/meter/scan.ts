import { SandprobeError } from "../../errors.js";
import type { ParsedModule, Section } from "../../wasm/index.js";
import { ByteReader, InstructionReader, Op, readValType, SectionId } from "../../wasm/index.js";

/**
 * What the metering pass needs to know about a module beyond parseModule:
 * index spaces, the sections it rewrites, and which functions can be reached
 * without a direct call (tables, ref.func). It also checks that nothing names
 * a function or global past the end of its index space: the pass appends a
 * global and functions, and an out-of-range index in the original module must
 * not come to name them.
 */
export interface ModuleFacts {
  readonly importedFuncs: number;
  readonly funcCount: number;
  /** Type index of every function, imports first. */
  readonly funcTypes: readonly number[];
  readonly importedGlobals: number;
  readonly globalCount: number;
  /** Global section: where its entries start (after the count), or undefined without one. */
  readonly globalEntries: { readonly start: number; readonly end: number; readonly count: number } | undefined;
  /** Functions placed in tables or named by ref.func outside code (1 = yes), by function index. */
  readonly referenced: Uint8Array;
  readonly start: number | undefined;
  /** Each defined function's body: offset after its size prefix, and end. */
  readonly bodyStart: Uint32Array;
  readonly bodyEnd: Uint32Array;
}

function section(module: ParsedModule, id: number): Section | undefined {
  return module.sections.find((s) => s.id === id);
}

const CONSTANT_OPS = new Set([
  0x41, // i32.const
  0x42, // i64.const
  0x43, // f32.const
  0x44, // f64.const
  Op.globalGet,
  0xd0, // ref.null
  Op.refFunc,
  0x6a, // i32.add
  0x6b, // i32.sub
  0x6c, // i32.mul
  0x7c, // i64.add
  0x7d, // i64.sub
  0x7e, // i64.mul
]);

interface IndexSpaces {
  readonly funcCount: number;
  readonly globalCount: number;
  readonly referenced: Uint8Array;
}

/** Walk a constant expression up to its `end`, checking the indices it names. */
function scanConstExpr(r: ByteReader, spaces: IndexSpaces): void {
  const ins = new InstructionReader(r);
  for (;;) {
    const info = ins.next();
    if (info.op === Op.end) return;
    if (!CONSTANT_OPS.has(info.op)) r.fail(`${info.name} in a constant expression`, ins.start);
    if (info.op === Op.globalGet && ins.index >= spaces.globalCount)
      r.fail(`global ${ins.index} of ${spaces.globalCount}`, ins.start);
    if (info.op === Op.refFunc) {
      if (ins.index >= spaces.funcCount) r.fail(`ref.func ${ins.index} of ${spaces.funcCount}`, ins.start);
      spaces.referenced[ins.index] = 1;
    }
  }
}

function funcIndices(r: ByteReader, spaces: IndexSpaces): void {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const at = r.pos;
    const index = r.u32();
    if (index >= spaces.funcCount) r.fail(`element names function ${index} of ${spaces.funcCount}`, at);
    spaces.referenced[index] = 1;
  }
}

function exprs(r: ByteReader, spaces: IndexSpaces): void {
  const count = r.u32();
  for (let i = 0; i < count; i++) scanConstExpr(r, spaces);
}

function elemKind(r: ByteReader): void {
  if (r.u8() !== 0) r.fail("element kind must be 0 (funcref)", r.pos - 1);
}

function refType(r: ByteReader): void {
  const at = r.pos;
  const type = readValType(r);
  if (type !== "funcref" && type !== "externref") r.fail("element type must be a reference type", at);
}

function scanElements(r: ByteReader, spaces: IndexSpaces): void {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const at = r.pos;
    const flags = r.u32();
    switch (flags) {
      case 0:
        scanConstExpr(r, spaces);
        funcIndices(r, spaces);
        break;
      case 1:
      case 3:
        elemKind(r);
        funcIndices(r, spaces);
        break;
      case 2:
        r.u32();
        scanConstExpr(r, spaces);
        elemKind(r);
        funcIndices(r, spaces);
        break;
      case 4:
        scanConstExpr(r, spaces);
        exprs(r, spaces);
        break;
      case 5:
      case 7:
        refType(r);
        exprs(r, spaces);
        break;
      case 6:
        r.u32();
        scanConstExpr(r, spaces);
        refType(r);
        exprs(r, spaces);
        break;
      default:
        r.fail(`unknown element segment kind ${flags}`, at);
    }
  }
  r.expectEnd("element section");
}

export function scanModule(module: ParsedModule): ModuleFacts {
  const { bytes } = module;
  const funcTypes: number[] = [];
  let importedGlobals = 0;
  for (const imp of module.imports) {
    if (imp.desc.kind === "func") funcTypes.push(imp.desc.typeIndex);
    else if (imp.desc.kind === "global") importedGlobals++;
  }
  const importedFuncs = funcTypes.length;
  funcTypes.push(...module.functions);
  const funcCount = funcTypes.length;
  const referenced = new Uint8Array(funcCount);

  let globalCount = importedGlobals;
  let globalEntries: ModuleFacts["globalEntries"];
  const globals = section(module, SectionId.global);
  if (globals) {
    const r = new ByteReader(bytes, globals.payloadStart, globals.end);
    const count = r.u32();
    const start = r.pos;
    for (let i = 0; i < count; i++) {
      readValType(r);
      const mut = r.u8();
      if (mut > 1) r.fail("global mutability must be 0 or 1", r.pos - 1);
      // An initializer may only read globals defined before it.
      scanConstExpr(r, { funcCount, globalCount, referenced });
      globalCount++;
    }
    r.expectEnd("global section");
    globalEntries = { start, end: globals.end, count };
  }
  const spaces = { funcCount, globalCount, referenced };

  const elements = section(module, SectionId.element);
  if (elements) scanElements(new ByteReader(bytes, elements.payloadStart, elements.end), spaces);

  let start: number | undefined;
  const startSection = section(module, SectionId.start);
  if (startSection) {
    const r = new ByteReader(bytes, startSection.payloadStart, startSection.end);
    start = r.u32();
    r.expectEnd("start section");
    if (start >= funcCount) r.fail(`start function ${start} of ${funcCount}`, startSection.payloadStart);
  }

  for (const exp of module.exports) {
    const limit = exp.kind === "func" ? funcCount : exp.kind === "global" ? globalCount : Number.POSITIVE_INFINITY;
    if (exp.index >= limit) {
      throw new SandprobeError("E_MALFORMED", `export "${exp.name}" names ${exp.kind} ${exp.index} of ${limit}`);
    }
  }

  const bounds = new Uint32Array(2 * module.functions.length);
  const bodyStart = bounds.subarray(0, module.functions.length);
  const bodyEnd = bounds.subarray(module.functions.length);
  const code = section(module, SectionId.code);
  if (code) {
    const r = new ByteReader(bytes, code.payloadStart, code.end);
    const count = r.u32();
    if (count !== module.functions.length) {
      r.fail(`code section has ${count} bodies for ${module.functions.length} functions`, code.payloadStart);
    }
    for (let i = 0; i < count; i++) {
      const size = r.u32();
      bodyStart[i] = r.pos;
      r.skip(size);
      bodyEnd[i] = r.pos;
    }
    r.expectEnd("code section");
  } else if (module.functions.length > 0) {
    throw new SandprobeError("E_MALFORMED", `${module.functions.length} functions declared without a code section`);
  }
  return {
    importedFuncs,
    funcCount,
    funcTypes,
    importedGlobals,
    globalCount,
    globalEntries,
    referenced,
    start,
    bodyStart,
    bodyEnd,
  };
}
