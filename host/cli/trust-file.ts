/**
 * The operator's trust file for `--trust FILE`: JSON in the form
 * host/trust/config.ts reads, with key files named relative to the trust file.
 */
import { dirname, resolve } from "node:path";
import { SandprobeError } from "../errors.js";
import { type KeyReader, parseTrustConfig, type TrustConfig, trustPolicyFromConfig } from "../trust/config.js";
import type { TrustPolicy } from "../trust/policy.js";
import type { CliIo } from "./command.js";

/** The trust file, validated, and the reader for the key files it names. */
export async function readTrustFile(path: string, io: CliIo): Promise<{ config: TrustConfig; readKey: KeyReader }> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(await io.readFile(path)));
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new SandprobeError("E_POLICY", `${path}: not valid JSON: ${error.message}`, {}, { cause: error });
    }
    throw error;
  }
  return { config: parseTrustConfig(value, path), readKey: (file) => io.readFile(resolve(dirname(path), file)) };
}

export async function loadTrustFile(path: string, io: CliIo): Promise<TrustPolicy> {
  const { config, readKey } = await readTrustFile(path, io);
  return trustPolicyFromConfig(config, readKey);
}
