/**
 * Run the AssemblyScript compiler in-process and take its .wasm output from
 * memory: one place for the probe build, the benchmarks' generated probes
 * and the Extism peer plugin.
 */
import asc from "assemblyscript/asc";

/** Compile with `args` (entries and options; `--outFile` is added); throws with asc's messages on failure. */
export async function compileAssemblyScript(args: readonly string[], what: string): Promise<Uint8Array> {
  let binary: Uint8Array | undefined;
  let stderr = "";
  const { error } = await asc.main([...args, "--outFile", "out.wasm"], {
    writeFile(name: string, contents: Uint8Array | string) {
      if (name.endsWith(".wasm")) binary = contents as Uint8Array;
    },
    stderr: {
      write(text: string) {
        stderr += text;
        return true;
      },
    } as never,
  });
  if (error || !binary) throw new Error(`asc failed for ${what}:\n${stderr || String(error)}`);
  return binary;
}
