import { transpile } from "@bytecodealliance/jco";
import type { TranspiledComponent } from "../../host/jco/instantiate.js";

/** Transpile a component in memory for the jco path (async instantiation, no files written). */
export async function transpileInMemory(component: Uint8Array, name = "probe"): Promise<TranspiledComponent> {
  const { files } = await transpile(component, { name, instantiation: "async", noTypescript: true, quiet: true });
  return { files, name };
}
