/** The Node implementation of CliIo: the only place the CLI touches the file system. */
import { readFile, writeFile } from "node:fs/promises";
import type { CliIo } from "./command.js";
import { FileError } from "./command.js";

function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EEXIST") return "already exists (pass --force to overwrite)";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return (error as Error).message;
}

export function nodeIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    async readFile(path) {
      try {
        return new Uint8Array(await readFile(path));
      } catch (error) {
        throw new FileError(`cannot read ${path}: ${describe(error)}`);
      }
    },
    async writeFile(path, bytes, options = {}) {
      try {
        await writeFile(path, bytes, {
          flag: options.overwrite === false ? "wx" : "w",
          ...(options.secret ? { mode: 0o600 } : {}),
        });
      } catch (error) {
        throw new FileError(`cannot write ${path}: ${describe(error)}`);
      }
    },
  };
}
