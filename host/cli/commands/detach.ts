import { attachSignature, detachSignature } from "../../trust/signature/sign.js";
import { type Command, ExitCode, parse, required } from "../command.js";

const options = {
  "input-file": { type: "string", short: "i" },
  "output-file": { type: "string", short: "o" },
  "signature-file": { type: "string", short: "S" },
} as const;

export const detach: Command = {
  name: "detach",
  summary: "move an embedded signature into a separate file",
  usage: `Usage: sandprobe detach -i IN -o OUT -S SIG

Write IN without its signature section to OUT and the signature (the section
payload) to SIG. 'sandprobe verify -i OUT -K PK -S SIG' then verifies it.

Options:
  -i, --input-file IN       signed module or component
  -o, --output-file OUT     module without the signature section
  -S, --signature-file SIG  detached signature to write
  -h, --help                show this help`,
  async run(args, io) {
    const { values } = parse(args, options);
    const input = await io.readFile(required(values["input-file"], "-i/--input-file"));
    const output = required(values["output-file"], "-o/--output-file");
    const sigPath = required(values["signature-file"], "-S/--signature-file");
    const { bytes, signature } = detachSignature(input);
    await io.writeFile(output, bytes);
    await io.writeFile(sigPath, signature);
    io.stdout(`Signature is now detached: ${output} + ${sigPath}\n`);
    return ExitCode.ok;
  },
};

export const attach: Command = {
  name: "attach",
  summary: "embed a detached signature as the signature section",
  usage: `Usage: sandprobe attach -i IN -o OUT -S SIG

Write IN to OUT with the detached signature SIG embedded as its first
(signature) section.

Options:
  -i, --input-file IN       unsigned module or component
  -o, --output-file OUT     signed result
  -S, --signature-file SIG  detached signature to embed
  -h, --help                show this help`,
  async run(args, io) {
    const { values } = parse(args, options);
    const input = await io.readFile(required(values["input-file"], "-i/--input-file"));
    const output = required(values["output-file"], "-o/--output-file");
    const signature = await io.readFile(required(values["signature-file"], "-S/--signature-file"));
    await io.writeFile(output, attachSignature(input, signature));
    io.stdout(`Signature is now embedded: ${output}\n`);
    return ExitCode.ok;
  },
};
