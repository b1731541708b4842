import { type Command, ExitCode, parse, UsageError } from "../command.js";
import { describe, renderDescription } from "../describe.js";

export const inspect: Command = {
  name: "inspect",
  summary: "show sections, imports, exports, manifest, signatures and key ids",
  usage: `Usage: sandprobe inspect IN [--json]

Show the structure of a module, component or bundle: its sections, imports and
exports, the probe manifest, the signature data (sets, key ids, whether each
set covers this file) and a bundle's index. Inspecting verifies nothing.

Options:
  -i, --input-file IN   file to inspect (or give it as the argument)
      --json            print JSON instead of text
  -h, --help            show this help`,
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      { "input-file": { type: "string", short: "i" }, json: { type: "boolean" } },
      true,
    );
    const files = [...(values["input-file"] === undefined ? [] : [values["input-file"]]), ...positionals];
    if (files.length !== 1) throw new UsageError("give exactly one file to inspect");
    const file = files[0] as string;
    const description = await describe(await io.readFile(file));
    io.stdout(values.json ? `${JSON.stringify(description, null, 2)}\n` : renderDescription(file, description));
    return ExitCode.ok;
  },
};
