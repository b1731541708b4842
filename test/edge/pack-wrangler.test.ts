/**
 * `sandprobe pack --wrangler` writes a wrangler.toml beside config.capnp so
 * the packed project deploys to Cloudflare Workers as it is. What can be
 * checked offline is checked by wrangler itself: `wrangler deploy --dry-run
 * --outdir` (wrangler from devDependencies, no network, no account) reads
 * the config, resolves every module by its rule and writes what it would
 * upload; the test requires no warning, every module with its right type,
 * and the uploaded files byte for byte the packed ones. The upload itself,
 * the account, and Cloudflare accepting the compatibility date cannot be
 * checked here (docs/fleet.md).
 */
import { spawn } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { workerNameFor, wranglerToml } from "../../host/cli/pack/wrangler.js";
import { run } from "../../host/cli/run.js";
import { type EdgeFixture, EXAMPLE_PROBES, EXAMPLE_WORKER, edgeFixture, quietIo } from "../support/edge/fixture.js";

let fixture: EdgeFixture;
let setupError: unknown;

test.before(async () => {
  try {
    fixture = await edgeFixture();
  } catch (error) {
    setupError = error; // uvu swallows errors of `before` hooks: fail every test with it instead.
  }
});
test.before.each(() => {
  if (setupError !== undefined) throw setupError;
});
test.after(async () => {
  await fixture?.remove();
});

async function pack(extra: string[], out: string) {
  const io = quietIo();
  const code = await run(
    ["pack", "-b", fixture.bundlePath, "--trust", fixture.trustPath, "-e", EXAMPLE_WORKER, "-o", out, ...extra],
    io,
  );
  return { code, out: io.out, err: io.err };
}

/** `wrangler deploy --dry-run --outdir` in `cwd`, offline: no metrics, a private HOME, CI mode. */
function wranglerDryRun(cwd: string, outdir: string): Promise<{ code: number; output: string }> {
  const bin = join(process.cwd(), "node_modules", "wrangler", "bin", "wrangler.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "deploy", "--dry-run", "--outdir", outdir], {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: join(outdir, "..", "wrangler-home"),
        CI: "1",
        WRANGLER_SEND_METRICS: "false",
        NO_COLOR: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

test("pack --wrangler: wrangler deploy --dry-run accepts the project and would upload exactly its modules", async () => {
  const out = join(fixture.dir, "cf");
  const result = await pack(
    ["--wrangler", "--otlp", "https://otlp.example.com/v1/traces", "--env", "UPSTREAM_URL"],
    out,
  );
  assert.is(result.code, 0, result.err);
  assert.match(result.out, `deploy: cd ${out} && wrangler deploy`);
  const toml = await readFile(join(out, "wrangler.toml"), "utf8");
  assert.match(toml, 'name = "edge-demo"');
  assert.match(toml, 'main = "worker.mjs"');
  assert.match(toml, 'SANDPROBE_OTLP_URL = "https://otlp.example.com/v1/traces"');
  assert.match(toml, 'SANDPROBE_RUNTIME = "cloudflare"');
  assert.match(toml, "#   wrangler secret put UPSTREAM_URL");
  const dist = join(fixture.dir, "cf-dist");
  await mkdir(join(fixture.dir, "wrangler-home"), { recursive: true });
  const dry = await wranglerDryRun(out, dist);
  assert.is(dry.code, 0, dry.output);
  assert.match(dry.output, "--dry-run: exiting now.");
  assert.not.match(dry.output, /WARNING|ERROR/, dry.output);
  const modules: [string, string][] = [
    ["app.mjs", "esm"],
    ["sandprobe/bundle.bin", "buffer"],
    ...EXAMPLE_PROBES.map((p): [string, string] => [`sandprobe/probes/${p}.wasm`, "compiled-wasm"]),
  ];
  for (const [name, type] of modules) {
    assert.match(dry.output, new RegExp(`${name.replace(/[./]/g, "\\$&")}\\s*│\\s*${type}\\s`), `${name} as ${type}`);
    assert.equal(await readFile(join(dist, name)), await readFile(join(out, name)), name);
  }
  assert.equal(await readFile(join(dist, "worker.mjs")), await readFile(join(out, "worker.mjs")));
  assert.match(dry.output, /env\.SANDPROBE_SERVICE_NAME \("edge-demo"\)/);
});

test("a Worker name wrangler would refuse is a usage error before anything is written", async () => {
  const result = await pack(["--wrangler", "--worker-name", "Not_A_Name"], join(fixture.dir, "bad-name"));
  assert.is(result.code, 2, result.err);
  assert.match(result.err, /worker name/);
  assert.is((await pack(["--worker-name", "edge"], join(fixture.dir, "no-flag"))).code, 2);
});

test("worker names from bundle names; TOML strings escaped", () => {
  assert.is(workerNameFor("edge.demo_v2"), "edge-demo-v2");
  assert.is(workerNameFor("-.-"), "sandprobe-worker");
  assert.is(workerNameFor("a".repeat(80)).length, 63);
  const toml = wranglerToml({
    name: "x",
    compatibilityDate: "2025-06-01",
    bindings: [{ name: "QUOTED", text: 'say "hi"\\n' }],
  });
  assert.match(toml, 'QUOTED = "say \\"hi\\"\\\\n"');
  assert.throws(() => wranglerToml({ name: "x", compatibilityDate: "June", bindings: [] }), /YYYY-MM-DD/);
});

test.run();
