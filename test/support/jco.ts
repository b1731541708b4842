import { transpile } from "@bytecodealliance/jco";
import * as shim from "@bytecodealliance/preview2-shim";
import type { TranspiledComponent } from "../../host/runtime/host/lifted/instantiate.js";

export interface Transpiled extends TranspiledComponent {
  /** Interfaces the component imports, unversioned (the keys its instantiate looks up). */
  readonly imports: readonly string[];
}

/** Transpile a component in memory for the jco path (async instantiation, no files written). */
export async function transpileInMemory(component: Uint8Array, name = "probe"): Promise<Transpiled> {
  const { files, imports } = await transpile(component, {
    name,
    instantiation: "async",
    noTypescript: true,
    quiet: true,
  });
  return { files, name, imports };
}

const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** preview2-shim's implementation of every `wasi:<package>/<interface>` among `keys`. */
export function preview2Imports(keys: readonly string[]): Record<string, object> {
  const packages = shim as unknown as Record<string, Record<string, object> | undefined>;
  const out: Record<string, object> = {};
  for (const key of keys) {
    const match = /^wasi:([a-z-]+)\/([a-z-]+)$/.exec(key);
    const implementation = match ? packages[match[1] as string]?.[camel(match[2] as string)] : undefined;
    if (implementation) out[key] = implementation;
  }
  return out;
}
