/**
 * The shape every `sandprobe` command implements. Commands live one per file
 * in commands/ and are registered in commands/index.ts; adding one (bench,
 * pack, ...) means adding a file and one line there.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

export const ExitCode = {
  /** Success: for verify, the signature (or policy) accepted the input. */
  ok: 0,
  /** Refused or failed with a typed error; its code and message are on stderr. */
  refused: 1,
  /** Bad command line; usage is on stderr. */
  usage: 2,
  /** A file could not be read or written. */
  io: 3,
  /** A bug: an error that is not one of ours. */
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What a command may touch: output streams and files (tests may pass their own). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): Promise<Uint8Array>;
  writeFile(
    path: string,
    bytes: Uint8Array | string,
    options?: { secret?: boolean; overwrite?: boolean },
  ): Promise<void>;
}

export interface Command {
  readonly name: string;
  /** One line for `sandprobe --help`. */
  readonly summary: string;
  /** Full help for `sandprobe <name> --help`. */
  readonly usage: string;
  run(args: readonly string[], io: CliIo): Promise<ExitCode>;
}

/** A command-line mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A file system failure: exit code 3. */
export class FileError extends Error {
  override readonly name = "FileError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;
type Config<T extends Options> = { args: string[]; options: T; allowPositionals: true; strict: true };
export type Parsed<T extends Options> = ReturnType<typeof parseArgs<Config<T>>>;

/**
 * node:util parseArgs, strict. Mistakes become UsageError. Positionals are
 * refused unless `positionals` is set. (--help is handled before a command runs.)
 */
export function parse<T extends Options>(args: readonly string[], options: T, positionals = false): Parsed<T> {
  let parsed: Parsed<T>;
  try {
    parsed = parseArgs<Config<T>>({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!positionals && parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  }
  return parsed;
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`missing ${flag}`);
  return value;
}
