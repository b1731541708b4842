/**
 * A tiny WebAssembly module assembler for tests: function bodies are written
 * as opcode bytes, so a test controls exactly which instructions a module
 * holds (and can write invalid or hostile code on purpose).
 */
import { concatBytes, encodeCustomSection } from "../../../host/wasm/encode.js";
import { encodeName, encodeS32, encodeS64, encodeSection, encodeU32 } from "../../../host/wasm/index.js";
import { OPCODES } from "../../../host/wasm/opcodes.js";
import { encodeManifest, MANIFEST_SECTION, type Manifest } from "../../../host/world/manifest.js";

export type V = "i32" | "i64" | "f32" | "f64" | "funcref" | "externref";
export const VT: Record<V, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, funcref: 0x70, externref: 0x6f };

export interface FuncType {
  readonly params: readonly V[];
  readonly results: readonly V[];
}

export interface FuncSpec {
  readonly type: FuncType;
  readonly locals?: readonly V[];
  /** Instructions; the final `end` is added. */
  readonly body: readonly number[];
  readonly export?: string;
}

export interface ModuleSpec {
  readonly imports?: ReadonlyArray<{ module: string; name: string; type: FuncType }>;
  /** An imported memory (after the function imports). */
  readonly memoryImport?: { module: string; name: string; min: number; max?: number };
  readonly funcs: readonly FuncSpec[];
  /** Extra types (for block types and call_indirect), after the functions' types. */
  readonly types?: readonly FuncType[];
  readonly memory?: { min: number; max?: number };
  readonly table?: { min: number; max?: number };
  readonly globals?: ReadonlyArray<{ type: V; mutable: boolean; init: readonly number[] }>;
  /** Active segments into table 0. */
  readonly elements?: ReadonlyArray<{ offset: number; funcs: readonly number[] }>;
  /** Passive segments of function indices. */
  readonly passiveElements?: ReadonlyArray<readonly number[]>;
  readonly data?: ReadonlyArray<{ offset: number; bytes: readonly number[] }>;
  readonly passiveData?: ReadonlyArray<readonly number[]>;
  readonly start?: number;
  readonly exports?: ReadonlyArray<{ name: string; kind: "func" | "table" | "memory" | "global"; index: number }>;
}

const byName = new Map(OPCODES.map((info) => [info.name, info.op]));

/** The bytes of an instruction's opcode, by its text-format name. */
export function op(name: string): number[] {
  const code = byName.get(name);
  if (code === undefined) throw new Error(`unknown instruction ${name}`);
  return code > 0xff ? [code >> 8, ...encodeU32(code & 0xff)] : [code];
}

export const i32 = (value: number): number[] => [0x41, ...encodeS32(value)];
export const i64 = (value: bigint): number[] => [0x42, ...encodeS64(value)];
export const f32 = (value: number): number[] => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, value, true);
  return [0x43, ...b];
};
export const f64 = (value: number): number[] => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, value, true);
  return [0x44, ...b];
};
export const u32 = encodeU32;

function sameType(a: FuncType, b: FuncType): boolean {
  return a.params.join() === b.params.join() && a.results.join() === b.results.join();
}

function encodeType(type: FuncType): number[] {
  return [
    0x60,
    ...encodeU32(type.params.length),
    ...type.params.map((t) => VT[t]),
    ...encodeU32(type.results.length),
    ...type.results.map((t) => VT[t]),
  ];
}

function vec(items: readonly number[][]): number[] {
  return [...encodeU32(items.length), ...items.flat()];
}

function limits(l: { min: number; max?: number }): number[] {
  return l.max === undefined ? [0, ...encodeU32(l.min)] : [1, ...encodeU32(l.min), ...encodeU32(l.max)];
}

export function build(spec: ModuleSpec): Uint8Array {
  const types: FuncType[] = [];
  const typeIndex = (type: FuncType) => {
    let index = types.findIndex((t) => sameType(t, type));
    if (index < 0) index = types.push(type) - 1;
    return index;
  };
  const imports = spec.imports ?? [];
  const importTypes = imports.map((imp) => typeIndex(imp.type));
  const funcTypes = spec.funcs.map((f) => typeIndex(f.type));
  for (const t of spec.types ?? []) types.push(t);
  const sections: Uint8Array[] = [];
  const add = (id: number, payload: number[]) => sections.push(encodeSection(id, Uint8Array.from(payload)));
  add(1, vec(types.map(encodeType)));
  const importEntries = imports.map((imp, i) => [
    ...encodeName(imp.module),
    ...encodeName(imp.name),
    0x00,
    ...encodeU32(importTypes[i] as number),
  ]);
  const mem = spec.memoryImport;
  if (mem) importEntries.push([...encodeName(mem.module), ...encodeName(mem.name), 0x02, ...limits(mem)]);
  if (importEntries.length > 0) add(2, vec(importEntries));
  add(3, vec(funcTypes.map((t) => encodeU32(t))));
  if (spec.table) add(4, [1, 0x70, ...limits(spec.table)]);
  if (spec.memory) add(5, [1, ...limits(spec.memory)]);
  if (spec.globals) add(6, vec(spec.globals.map((g) => [VT[g.type], g.mutable ? 1 : 0, ...g.init, 0x0b])));
  const exports: number[][] = [];
  spec.funcs.forEach((f, i) => {
    if (f.export) exports.push([...encodeName(f.export), 0x00, ...encodeU32(imports.length + i)]);
  });
  const kinds = { func: 0, table: 1, memory: 2, global: 3 };
  for (const e of spec.exports ?? []) exports.push([...encodeName(e.name), kinds[e.kind], ...encodeU32(e.index)]);
  add(7, vec(exports));
  if (spec.start !== undefined) add(8, encodeU32(spec.start));
  const segments: number[][] = [];
  for (const e of spec.elements ?? [])
    segments.push([0x00, ...i32(e.offset), 0x0b, ...vec(e.funcs.map((f) => u32(f)))]);
  for (const funcs of spec.passiveElements ?? []) segments.push([0x01, 0x00, ...vec(funcs.map((f) => u32(f)))]);
  if (segments.length > 0) add(9, vec(segments));
  const passive = spec.passiveData ?? [];
  if (passive.length > 0) add(12, encodeU32((spec.data?.length ?? 0) + passive.length));
  add(
    10,
    vec(
      spec.funcs.map((f) => {
        const locals = (f.locals ?? []).map((t) => [1, VT[t]]);
        const body = [...vec(locals), ...f.body, 0x0b];
        return [...encodeU32(body.length), ...body];
      }),
    ),
  );
  const data: number[][] = [];
  for (const d of spec.data ?? []) data.push([0x00, ...i32(d.offset), 0x0b, ...vec(d.bytes.map((b) => [b]))]);
  for (const bytes of passive) data.push([0x01, ...vec(bytes.map((b) => [b]))]);
  if (data.length > 0) add(11, vec(data));
  const total = sections.reduce((n, s) => n + s.length, 8);
  const out = new Uint8Array(total);
  out.set([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  let at = 8;
  for (const s of sections) {
    out.set(s, at);
    at += s.length;
  }
  return out;
}

/** `module` with a manifest section: `manifest` over defaults (version 1.0.0, the request hook, nothing else). */
export function withManifest(module: Uint8Array, manifest: Partial<Manifest> & { name: string }): Uint8Array {
  const full: Manifest = {
    schema: 1,
    version: "1.0.0",
    hooks: ["request"],
    capabilities: [],
    headers: [],
    limits: {},
    ...manifest,
  };
  return concatBytes([module, encodeCustomSection(MANIFEST_SECTION, encodeManifest(full))]);
}
