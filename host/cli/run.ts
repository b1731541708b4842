/** Dispatch `sandprobe <command> ...` and turn every outcome into an exit code. */
import { describeError, isSandprobeError } from "../errors.js";
import { type CliIo, ExitCode, FileError, UsageError } from "./command.js";
import { COMMANDS } from "./commands/index.js";

export function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "Usage: sandprobe <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run 'sandprobe <command> --help' for a command's options.",
    "Exit codes: 0 ok, 1 refused (error code on stderr), 2 usage, 3 file error, 70 internal error.",
    "",
  ].join("\n");
}

export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.stderr : io.stdout)(mainUsage());
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`sandprobe: unknown command "${name}"\n\n${mainUsage()}`);
    return ExitCode.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(`${command.usage.trimEnd()}\n`);
    return ExitCode.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`sandprobe ${command.name}: ${error.message}\n\n${command.usage.trimEnd()}\n`);
      return ExitCode.usage;
    }
    if (error instanceof FileError) {
      io.stderr(`sandprobe ${command.name}: ${error.message}\n`);
      return ExitCode.io;
    }
    if (isSandprobeError(error)) {
      io.stderr(`${describeError(error)}\n`);
      return ExitCode.refused;
    }
    io.stderr(`sandprobe ${command.name}: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return ExitCode.internal;
  }
}
