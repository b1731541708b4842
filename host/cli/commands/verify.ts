import { decodePublicKey } from "../../trust/signature/keys.js";
import { verifyModule } from "../../trust/signature/verify.js";
import { verifyProbe } from "../../trust/verify-probe.js";
import { type Command, ExitCode, parse, required, UsageError } from "../command.js";
import { loadTrustFile } from "../trust-file.js";

export const verify: Command = {
  name: "verify",
  summary: "verify a signed module or component (exit 0 only when valid)",
  usage: `Usage: sandprobe verify -i IN -K PK [-K PK ...] [-S SIG]
       sandprobe verify -i IN --trust TRUST.json [-S SIG]

With -K: check that at least one of the public keys has a valid signature over
all of IN (wasmsign2's verify). With --trust: apply the whole trust policy to
a probe (signers, threshold, revocation, scopes, capability grants, rollback)
exactly as the host does before loading it.

Exit 0 when valid; otherwise 1 with the error code and what to do on stderr
(E_UNSIGNED, E_SIGNATURE_INVALID, E_KEY_UNKNOWN, E_KEY_REVOKED, ...).

Options:
  -i, --input-file IN       module or component to verify
  -K, --public-key PK       trusted public key (wasmsign2 raw, PEM or DER); repeatable
  -S, --signature-file SIG  detached signature for IN
      --trust TRUST.json    trust policy file (see docs/signing.md)
  -h, --help                show this help`,
  async run(args, io) {
    const { values } = parse(args, {
      "input-file": { type: "string", short: "i" },
      "public-key": { type: "string", short: "K", multiple: true },
      "signature-file": { type: "string", short: "S" },
      trust: { type: "string" },
    });
    const input = required(values["input-file"], "-i/--input-file");
    const keyFiles = values["public-key"] ?? [];
    if (keyFiles.length > 0 && values.trust !== undefined) throw new UsageError("give -K or --trust, not both");
    if (keyFiles.length === 0 && values.trust === undefined) throw new UsageError("missing -K/--public-key or --trust");
    const bytes = await io.readFile(input);
    const sigPath = values["signature-file"];
    const options = sigPath === undefined ? {} : { signature: await io.readFile(sigPath) };
    if (values.trust !== undefined) {
      const policy = await loadTrustFile(values.trust, io);
      const verified = await verifyProbe(bytes, policy, options);
      const signers = verified.signers.map((s) => `${s.name} (${s.keyId})`).join(", ");
      const { name, version } = verified.manifest;
      io.stdout(`Signature is valid. Probe ${name} ${version} accepted by the trust policy; signed by ${signers}\n`);
      return ExitCode.ok;
    }
    const keys = [];
    for (const file of keyFiles) keys.push(await decodePublicKey(await io.readFile(file)));
    const report = await verifyModule(bytes, keys, options);
    io.stdout(`Signature is valid. Signed by key id ${report.signers.map((k) => k.keyIdHex).join(", ")}\n`);
    return ExitCode.ok;
  },
};
