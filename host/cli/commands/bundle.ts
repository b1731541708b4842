import { createBundle } from "../../trust/bundle/create.js";
import { type BundleDiff, diffBundles, type ProbeChange } from "../../trust/bundle/diff.js";
import { parseBundle } from "../../trust/bundle/format.js";
import { verifyBundle } from "../../trust/bundle/verify.js";
import { createTrustPolicy, type TrustPolicy } from "../../trust/policy.js";
import { decodePublicKey, decodeSecretKey } from "../../trust/signature/keys.js";
import { CAPABILITIES } from "../../world/manifest.js";
import { type CliIo, type Command, ExitCode, parse, required, UsageError } from "../command.js";
import { loadTrustFile } from "../trust-file.js";

const usage = `Usage: sandprobe bundle create -o OUT -k SK [-K PK] --name NAME --version X.Y.Z PROBE.wasm...
       sandprobe bundle verify -i IN (-K PK [-K PK ...] | --trust TRUST.json)
       sandprobe bundle list IN [--json]
       sandprobe bundle diff OLD NEW [--json]

create  Pack signed probes into one signed bundle: an index of names, versions
        and SHA-256 digests plus each probe file, signed with SK. Every probe
        must already be signed ('sandprobe sign'). More signers can co-sign the
        bundle afterwards with 'sandprobe sign -i OUT -o OUT2 -k SK2'.
verify  Verify the bundle signature, the index and every probe, all or
        nothing. With -K, signatures only (bundle and probes signed by one of
        the keys; capabilities not checked). With --trust, the full policy.
list    Show the index (names, versions, digests) without verifying.
diff    What a rollout from OLD to NEW changes: probes added, removed or
        changed, versions, capabilities, headers and hooks added or removed,
        limits, and warnings (versions going down, bytes changed under the
        same version). Reads without verifying: run 'bundle verify' on NEW.

Options:
  -i, --input-file IN    bundle to verify or list
  -o, --output-file OUT  bundle to write
  -k, --secret-key SK    secret key signing the bundle
  -K, --public-key PK    create: embed its key id; verify: a trusted key (repeatable)
      --name NAME        bundle name (create)
      --version X.Y.Z    bundle version (create)
      --trust FILE       trust policy file (verify)
      --json             JSON output (list, diff)
  -h, --help             show this help`;

async function create(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parse(
    args,
    {
      "output-file": { type: "string", short: "o" },
      "secret-key": { type: "string", short: "k" },
      "public-key": { type: "string", short: "K" },
      name: { type: "string" },
      version: { type: "string" },
    },
    true,
  );
  const output = required(values["output-file"], "-o/--output-file");
  const secretKey = await decodeSecretKey(await io.readFile(required(values["secret-key"], "-k/--secret-key")));
  const keyId =
    values["public-key"] === undefined
      ? "none"
      : (await decodePublicKey(await io.readFile(values["public-key"]))).keyId;
  if (positionals.length === 0) throw new UsageError("give at least one signed probe file");
  const probes = [];
  for (const file of positionals) probes.push(await io.readFile(file));
  const name = required(values.name, "--name");
  const version = required(values.version, "--version");
  const bytes = await createBundle({ name, version, probes, keyId }, secretKey);
  await io.writeFile(output, bytes);
  io.stdout(`bundle ${name} ${version}: ${probes.length} probe(s), ${bytes.length} bytes -> ${output}\n`);
  return ExitCode.ok;
}

async function keysOnlyPolicy(files: readonly string[], io: CliIo): Promise<TrustPolicy> {
  const keys = [];
  for (const file of files) keys.push({ publicKey: await decodePublicKey(await io.readFile(file)) });
  return createTrustPolicy({ keys, grants: { "*": { capabilities: CAPABILITIES, headers: ["*"] } } });
}

async function verify(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values } = parse(args, {
    "input-file": { type: "string", short: "i" },
    "public-key": { type: "string", short: "K", multiple: true },
    trust: { type: "string" },
  });
  const input = required(values["input-file"], "-i/--input-file");
  const keyFiles = values["public-key"] ?? [];
  if (keyFiles.length > 0 && values.trust !== undefined) throw new UsageError("give -K or --trust, not both");
  if (keyFiles.length === 0 && values.trust === undefined) throw new UsageError("missing -K/--public-key or --trust");
  const policy =
    values.trust === undefined ? await keysOnlyPolicy(keyFiles, io) : await loadTrustFile(values.trust, io);
  const verified = await verifyBundle(await io.readFile(input), policy);
  const lines = verified.probes.map(
    (p) => `  ${p.manifest.name} ${p.manifest.version}  signed by ${p.signers.map((s) => s.keyId).join(", ")}`,
  );
  const signers = verified.signers.map((s) => s.keyId).join(", ");
  io.stdout(`Bundle ${verified.name} ${verified.version} is valid (signed by ${signers}):\n${lines.join("\n")}\n`);
  return ExitCode.ok;
}

async function list(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parse(
    args,
    { "input-file": { type: "string", short: "i" }, json: { type: "boolean" } },
    true,
  );
  const files = [...(values["input-file"] === undefined ? [] : [values["input-file"]]), ...positionals];
  if (files.length !== 1) throw new UsageError("give exactly one bundle file");
  const bundle = parseBundle(await io.readFile(files[0] as string));
  if (values.json) {
    io.stdout(`${JSON.stringify({ ...bundle.index, signed: bundle.signed, verified: false }, null, 2)}\n`);
    return ExitCode.ok;
  }
  const { index } = bundle;
  const rows = index.probes.map((p) => `  ${p.name.padEnd(24)} ${p.version.padEnd(10)} sha256:${p.sha256}`);
  const state = bundle.signed ? "signed, not verified" : "UNSIGNED";
  io.stdout(`bundle ${index.name} ${index.version} (${state}), ${index.probes.length} probe(s):\n${rows.join("\n")}\n`);
  return ExitCode.ok;
}

function describeChange(p: ProbeChange): string[] {
  const versions =
    p.change === "added"
      ? `${p.newVersion}`
      : p.change === "removed"
        ? `${p.oldVersion}`
        : p.oldVersion === p.newVersion
          ? `${p.newVersion}`
          : `${p.oldVersion} -> ${p.newVersion}`;
  const lines = [`  ${p.change.padEnd(9)} ${p.name.padEnd(24)} ${versions}`];
  const list = (label: string, items: readonly string[]) => {
    if (items.length > 0) lines.push(`              ${label}: ${items.join(", ")}`);
  };
  list("capabilities added", p.capabilitiesAdded);
  list("capabilities removed", p.capabilitiesRemoved);
  list("headers added", p.headersAdded);
  list("headers removed", p.headersRemoved);
  list("hooks added", p.hooksAdded);
  list("hooks removed", p.hooksRemoved);
  if (p.limitsChanged) lines.push("              limits changed");
  for (const warning of p.warnings) lines.push(`              WARNING: ${warning}`);
  return lines;
}

function renderDiff(diff: BundleDiff): string {
  const head = `bundle ${diff.old.name} ${diff.old.version} -> ${diff.new.name} ${diff.new.version} (not verified):`;
  const lines = [head, ...diff.probes.flatMap(describeChange), ...diff.warnings.map((w) => `WARNING: ${w}`)];
  const counts = (["added", "removed", "changed", "unchanged"] as const)
    .map((kind) => `${diff.probes.filter((p) => p.change === kind).length} ${kind}`)
    .join(", ");
  const granted = diff.probes.reduce((n, p) => n + p.capabilitiesAdded.length + p.headersAdded.length, 0);
  lines.push(`${counts}; ${granted} capabilit${granted === 1 ? "y or header" : "ies or headers"} added`);
  return `${lines.join("\n")}\n`;
}

async function diff(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parse(args, { json: { type: "boolean" } }, true);
  if (positionals.length !== 2) throw new UsageError("give two bundle files: OLD NEW");
  const [oldFile, newFile] = positionals as [string, string];
  const result = diffBundles(await io.readFile(oldFile), await io.readFile(newFile));
  io.stdout(values.json ? `${JSON.stringify({ ...result, verified: false }, null, 2)}\n` : renderDiff(result));
  return ExitCode.ok;
}

const SUBCOMMANDS: Record<string, (args: readonly string[], io: CliIo) => Promise<ExitCode>> = {
  create,
  verify,
  list,
  diff,
};

export const bundle: Command = {
  name: "bundle",
  summary: "create, verify, list or diff signed probe bundles",
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    const handler = sub === undefined ? undefined : SUBCOMMANDS[sub];
    if (!handler) throw new UsageError(sub === undefined ? "missing subcommand" : `unknown subcommand "${sub}"`);
    return handler(rest, io);
  },
};
