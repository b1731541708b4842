import {
  encodePublicKey,
  encodeSecretKey,
  generateKeyPair,
  publicKeyToPem,
  secretKeyToPem,
} from "../../trust/signature/keys.js";
import { type Command, ExitCode, parse, required } from "../command.js";

export const keygen: Command = {
  name: "keygen",
  summary: "generate an Ed25519 key pair (wasmsign2 key files)",
  usage: `Usage: sandprobe keygen --public-key PK --secret-key SK [--pem] [--force]

Generate an Ed25519 key pair. By default the files use wasmsign2's raw formats
(public: 33 bytes 0x01 || key; secret: 65 bytes 0x81 || seed || key), so
wasmsign2 can use them too; --pem writes PEM (SPKI / PKCS#8) instead.

Options:
  -K, --public-key PK   public key file to write
  -k, --secret-key SK   secret key file to write (mode 0600)
      --pem             write PEM instead of wasmsign2 raw
      --force           overwrite existing files
  -h, --help            show this help`,
  async run(args, io) {
    const { values } = parse(args, {
      "public-key": { type: "string", short: "K" },
      "secret-key": { type: "string", short: "k" },
      pem: { type: "boolean" },
      force: { type: "boolean" },
    });
    const pkPath = required(values["public-key"], "--public-key");
    const skPath = required(values["secret-key"], "--secret-key");
    const { publicKey, secretKey } = await generateKeyPair();
    const overwrite = values.force === true;
    await io.writeFile(skPath, values.pem ? secretKeyToPem(secretKey) : encodeSecretKey(secretKey), {
      secret: true,
      overwrite,
    });
    await io.writeFile(pkPath, values.pem ? publicKeyToPem(publicKey) : encodePublicKey(publicKey), { overwrite });
    io.stdout(`Secret key saved to [${skPath}]\nPublic key saved to [${pkPath}]\nKey id: ${publicKey.keyIdHex}\n`);
    return ExitCode.ok;
  },
};
