/**
 * Edge test fixtures, built from source in the test run: a signing key, the
 * three example probes signed, a signed bundle, a trust file, and a packed
 * workerd project around the example worker.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CliIo } from "../../../host/cli/command.js";
import { nodeIo } from "../../../host/cli/io.js";
import { type PackOptions, type PackResult, packWorker } from "../../../host/cli/pack/project.js";
import { createBundle } from "../../../host/trust/bundle/create.js";
import { encodePublicKey, type SecretKey } from "../../../host/trust/signature/keys.js";
import { CAPABILITIES } from "../../../host/world/manifest.js";
import { signedProbe, testKey } from "../signing.js";

export const EXAMPLE_PROBES = ["latency", "sampler", "slow-detector"] as const;
export const BUNDLE_NAME = "edge-demo";

/** The compiled example worker (dist/test/support/edge/example-worker.js). */
export const EXAMPLE_WORKER = fileURLToPath(new URL("./example-worker.js", import.meta.url));

export interface EdgeFixture {
  readonly dir: string;
  readonly key: SecretKey;
  readonly bundlePath: string;
  readonly bundle: Uint8Array;
  readonly publicKeyPath: string;
  readonly trustPath: string;
  remove(): Promise<void>;
}

/** An io that keeps command output to itself (tests read it when they care). */
export function quietIo(): CliIo & { out: string; err: string } {
  const io = nodeIo();
  const quiet = {
    ...io,
    out: "",
    err: "",
    stdout(text: string) {
      quiet.out += text;
    },
    stderr(text: string) {
      quiet.err += text;
    },
  };
  return quiet;
}

export async function makeBundle(key: SecretKey, version = "1.0.0"): Promise<Uint8Array> {
  const probes = [];
  for (const name of EXAMPLE_PROBES) probes.push(await signedProbe(name, [key]));
  return createBundle({ name: BUNDLE_NAME, version, probes }, key);
}

export async function edgeFixture(): Promise<EdgeFixture> {
  const dir = await mkdtemp(join(tmpdir(), "sandprobe-edge-"));
  const key = await testKey(80);
  const bundle = await makeBundle(key);
  const bundlePath = join(dir, "edge-demo.bundle");
  await writeFile(bundlePath, bundle);
  const publicKeyPath = join(dir, "release.pub");
  await writeFile(publicKeyPath, encodePublicKey(key.publicKey));
  const trustPath = join(dir, "trust.json");
  const trust = {
    keys: [{ name: "release", publicKey: "release.pub" }],
    grants: { "*": { capabilities: CAPABILITIES, headers: [] } },
  };
  await writeFile(trustPath, JSON.stringify(trust, null, 2));
  return {
    dir,
    key,
    bundlePath,
    bundle,
    publicKeyPath,
    trustPath,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Pack the example worker around the fixture's bundle into `<fixture>/<name>`. */
export function packExample(
  fixture: EdgeFixture,
  name: string,
  options: Partial<PackOptions> = {},
): Promise<PackResult> {
  return packWorker(
    {
      bundle: fixture.bundlePath,
      trust: { file: fixture.trustPath },
      entry: EXAMPLE_WORKER,
      outDir: join(fixture.dir, name),
      envBindings: ["UPSTREAM_URL"],
      ...options,
    },
    quietIo(),
  );
}

/** A copy of a packed project, to tamper with. */
export async function copyProject(from: string, to: string): Promise<string> {
  await cp(from, to, { recursive: true });
  return to;
}

/** Flip one byte of a file at `offset` (negative: from the end). */
export async function flipByte(path: string, offset: number): Promise<void> {
  const bytes = new Uint8Array(await readFile(path));
  const at = offset < 0 ? bytes.length + offset : offset;
  bytes[at] = (bytes[at] as number) ^ 0x01;
  await writeFile(path, bytes);
}
