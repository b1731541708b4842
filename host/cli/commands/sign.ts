import { SandprobeError } from "../../errors.js";
import { decodeSignatureData } from "../../trust/signature/format.js";
import { decodePublicKey, decodeSecretKey } from "../../trust/signature/keys.js";
import { signModule } from "../../trust/signature/sign.js";
import { bytesEqual } from "../../wasm/bytes.js";
import { type Command, ExitCode, parse, required } from "../command.js";

export const sign: Command = {
  name: "sign",
  summary: "sign a module, component or bundle (adds a signature when already signed)",
  usage: `Usage: sandprobe sign -i IN -o OUT -k SK [-K PK] [-S SIG]

Sign IN with the secret key SK and write OUT, in the WebAssembly
tool-conventions signature format (as wasmsign2 writes it). Signing a signed
file adds this signature to the existing ones. Works on probes, components
and bundles alike.

Options:
  -i, --input-file IN       module, component or bundle to sign
  -o, --output-file OUT     where to write the result
  -k, --secret-key SK       secret key (wasmsign2 raw, PEM or DER PKCS#8)
  -K, --public-key PK       public key: embed its key id with the signature
  -S, --signature-file SIG  write a detached signature to SIG; OUT is left unsigned
  -h, --help                show this help`,
  async run(args, io) {
    const { values } = parse(args, {
      "input-file": { type: "string", short: "i" },
      "output-file": { type: "string", short: "o" },
      "secret-key": { type: "string", short: "k" },
      "public-key": { type: "string", short: "K" },
      "signature-file": { type: "string", short: "S" },
    });
    const input = required(values["input-file"], "-i/--input-file");
    const output = required(values["output-file"], "-o/--output-file");
    const secretKey = await decodeSecretKey(await io.readFile(required(values["secret-key"], "-k/--secret-key")));
    let keyId: "none" | Uint8Array = "none";
    if (values["public-key"] !== undefined) {
      const publicKey = await decodePublicKey(await io.readFile(values["public-key"]));
      if (!bytesEqual(publicKey.raw, secretKey.publicKey.raw)) {
        throw new SandprobeError("E_KEY_INVALID", "the public key (-K) does not belong to the secret key (-k)");
      }
      keyId = publicKey.keyId;
    }
    const bytes = await io.readFile(input);
    const detachedPath = values["signature-file"];
    const result = await signModule(bytes, secretKey, { keyId, detached: detachedPath !== undefined });
    await io.writeFile(output, result.bytes);
    if (detachedPath !== undefined) await io.writeFile(detachedPath, result.signature);
    const count = decodeSignatureData(result.signature).sets.reduce((n, s) => n + s.signatures.length, 0);
    const what = result.added ? "signed" : "already signed by this key, unchanged:";
    const where = detachedPath === undefined ? output : `${output} (detached signature: ${detachedPath})`;
    io.stdout(`${what} ${input} -> ${where}; key id ${secretKey.publicKey.keyIdHex}; ${count} signature(s)\n`);
    return ExitCode.ok;
  },
};
