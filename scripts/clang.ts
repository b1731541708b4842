/**
 * Compile a C probe to a freestanding wasm32 module with @yowasp/clang
 * (Clang and lld compiled to WebAssembly, installed by `npm ci`: no system
 * compiler, no network). The probe source and probes/sdk-c/sandprobe.h go
 * into the compiler's virtual file system; the module comes back in memory.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { commands, type Tree } from "@yowasp/clang";

/** Flags every C probe is built with (docs/languages.md explains each). */
export const C_PROBE_FLAGS = [
  "--target=wasm32",
  "-O2",
  "-nostdlib",
  "-ffreestanding",
  "-mbulk-memory",
  "-Wall",
  "-Werror",
  "-Wno-unused-function",
  "-Iprobes/sdk-c",
  "-Wl,--no-entry",
  "-Wl,--strip-debug",
  // The hooks and cabi_realloc are exported by name in the source; keep the stack small and explicit.
  "-Wl,-z,stack-size=65536",
] as const;

const HEADER = "probes/sdk-c/sandprobe.h";

export async function compileC(source: string): Promise<Uint8Array> {
  const name = basename(source);
  const files = {
    probes: {
      "sdk-c": { "sandprobe.h": await readFile(HEADER, "utf8") },
    },
    [name]: await readFile(source, "utf8"),
  };
  let output: Tree | undefined;
  let stderr = "";
  const decoder = new TextDecoder();
  try {
    output = (await commands.clang([...C_PROBE_FLAGS, name, "-o", "out.wasm"], files, {
      stdout: () => {},
      fetchProgress: () => {},
      stderr: (bytes: Uint8Array | null) => {
        if (bytes) stderr += decoder.decode(bytes);
      },
    })) as Tree | undefined;
  } catch (error) {
    throw new Error(`clang failed for ${source}:\n${stderr || String(error)}`);
  }
  const wasm = output?.["out.wasm"];
  if (!(wasm instanceof Uint8Array)) throw new Error(`clang wrote no module for ${source}:\n${stderr}`);
  return wasm;
}
