/**
 * The fleet path is web-standard: under the real `deno` (npm deno, network
 * to 127.0.0.1 only, no file or env access) httpBundleSource polls a real
 * server, a failing answer and a tampered bundle change nothing, and a valid
 * bundle is verified, compiled (Deno allows run-time compilation) and live,
 * with its version persisted to the store.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { publicKeyToPem } from "../../host/trust/signature/keys.js";
import { bundleServer, serveBytes } from "../support/bundle-server.js";
import { denoBinary } from "../support/edge/processes.js";
import { edgeBundle, tampered } from "../support/fleet.js";
import { testKey } from "../support/signing.js";

test("under deno: 503 and a tampered bundle change nothing, a valid bundle goes live and is persisted", async () => {
  const key = await testKey(1);
  const dir = await mkdtemp(join(tmpdir(), "sandprobe-deno-fleet-"));
  const [bad, good] = [tampered(await edgeBundle("1.0.0", key)), await edgeBundle("1.0.0", key)];
  let step = 0;
  const server = await bundleServer((req, res) => {
    if (step === 0) {
      res.writeHead(503);
      res.end();
    } else serveBytes(step === 1 ? bad : good, `"${step}"`)(req, res);
  });
  try {
    const script = join(dir, "fleet-deno.mjs");
    const bundled = await build({
      entryPoints: ["dist/test/support/fleet-deno.js"],
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      logLevel: "silent",
    });
    await writeFile(script, bundled.outputFiles[0]?.text ?? "");
    const child = spawn(
      denoBinary(),
      [
        "run",
        "--no-prompt",
        "--no-config",
        "--no-lock",
        "--no-remote",
        "--allow-net=127.0.0.1",
        script,
        server.url,
        publicKeyToPem(key.publicKey),
        "3",
      ],
      {
        env: { DENO_DIR: join(dir, ".deno-dir"), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const lines: Record<string, unknown>[] = [];
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    let buffered = "";
    child.stdout.on("data", (c: Buffer) => {
      buffered += c.toString("utf8");
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        lines.push(JSON.parse(buffered.slice(0, nl)));
        buffered = buffered.slice(nl + 1);
        step = Math.min(2, lines.length); // each outcome moves the publisher on
      }
    });
    const code = await new Promise<number>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.on("close", (c) => {
        clearTimeout(timer);
        resolve(c ?? -1);
      });
    });
    assert.is(code, 0, stderr);
    assert.equal(lines, [
      { kind: "source-error", code: "E_SOURCE", live: [] },
      { kind: "refused", code: "E_SIGNATURE_INVALID", live: [] },
      {
        kind: "accepted",
        version: "1.0.0",
        persisted: true,
        live: ["latency@1.0.0", "sampler@1.0.0", "slow-detector@1.0.0"],
      },
      {
        stored: {
          schema: 1,
          probe: { latency: "1.0.0", sampler: "1.0.0", "slow-detector": "1.0.0" },
          bundle: { edge: "1.0.0" },
        },
      },
    ]);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
