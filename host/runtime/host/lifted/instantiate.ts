import { SandprobeError } from "../../../errors.js";

/** The output of `jco transpile` with `instantiation: "async"`: file name -> bytes. */
export interface TranspiledComponent {
  readonly files: Readonly<Record<string, Uint8Array>>;
  /** The `name` given to transpile: the entry is `<name>.js`. */
  readonly name: string;
}

type Instantiate = (
  getCoreModule: (path: string) => Promise<WebAssembly.Module>,
  imports: Record<string, object>,
) => Promise<unknown>;

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Instantiate a transpiled component in memory: its JavaScript is imported
 * from a `data:` URL (the async-instantiation output has no imports of its
 * own) and its core modules are compiled from the transpiled bytes, so no
 * file is written. Works where run-time code loading is allowed (Node, Deno);
 * not in workerd.
 */
export async function instantiateTranspiled<T>(
  component: TranspiledComponent,
  imports: Record<string, object>,
): Promise<T> {
  const entry = component.files[`${component.name}.js`];
  if (!entry) {
    throw new SandprobeError("E_COMPILE", `the transpiled component has no ${component.name}.js`, {
      files: Object.keys(component.files),
    });
  }
  let instantiate: Instantiate;
  try {
    const module = (await import(`data:text/javascript;base64,${toBase64(entry)}`)) as { instantiate?: Instantiate };
    if (typeof module.instantiate !== "function")
      throw new Error("no instantiate export: transpile with instantiation async");
    instantiate = module.instantiate;
  } catch (error) {
    const message = `cannot load the transpiled component: ${(error as Error).message}`;
    throw new SandprobeError("E_COMPILE", message, {}, { cause: error });
  }
  const getCoreModule = (path: string): Promise<WebAssembly.Module> => {
    const bytes = component.files[path];
    if (!bytes) return Promise.reject(new SandprobeError("E_COMPILE", `the transpiled component has no ${path}`));
    return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  };
  try {
    return (await instantiate(getCoreModule, imports)) as T;
  } catch (error) {
    if (error instanceof SandprobeError) throw error;
    const message = `instantiating the component failed: ${(error as Error).message}`;
    throw new SandprobeError("E_COMPILE", message, {}, { cause: error });
  }
}
