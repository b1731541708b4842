/**
 * The `sandprobe` command as a user runs it: a real `node dist/host/cli/main.js`
 * process per call, files in a temp dir, exit codes and the error code on
 * stderr. Key files must be wasmsign2's formats byte for byte.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { nodeIo } from "../../host/cli/io.js";
import { run } from "../../host/cli/run.js";

const dir = mkdtempSync(join(tmpdir(), "sandprobe-cli-"));
const at = (name: string) => join(dir, name);
const LATENCY = "build/probes/examples/latency.wasm";
const SAMPLER = "build/probes/examples/sampler.wasm";

function sandprobe(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ["dist/host/cli/main.js", ...args], { encoding: "utf8", timeout: 30_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function ok(...args: string[]): string {
  const result = sandprobe(...args);
  assert.is(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

function refused(code: string, ...args: string[]): void {
  const result = sandprobe(...args);
  assert.is(result.code, 1, `${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  assert.ok(result.stderr.startsWith(`${code}: `), `${args.join(" ")}: ${result.stderr}`);
}

test.before(() => {
  ok("keygen", "--public-key", at("a.pub"), "--secret-key", at("a.key"));
  ok("keygen", "-K", at("b.pub"), "-k", at("b.key"));
  ok("keygen", "--pem", "-K", at("p.pem"), "-k", at("p-key.pem"));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("keygen writes wasmsign2 raw key files (0x01 ‖ pk, 0x81 ‖ seed ‖ pk) and refuses to overwrite without --force", () => {
  const pk = readFileSync(at("a.pub"));
  const sk = readFileSync(at("a.key"));
  assert.is(pk.length, 33);
  assert.is(pk[0], 0x01);
  assert.is(sk.length, 65);
  assert.is(sk[0], 0x81);
  assert.equal([...sk.subarray(33)], [...pk.subarray(1)]);
  const again = sandprobe("keygen", "-K", at("a.pub"), "-k", at("a.key"));
  assert.is(again.code, 3, again.stderr);
  assert.match(again.stderr, /already exists/);
  assert.ok(readFileSync(at("p.pem"), "utf8").startsWith("-----BEGIN PUBLIC KEY-----"));
});

test("sign then verify: exit 0 for the signer's key; E_KEY_UNKNOWN, E_SIGNATURE_INVALID, E_UNSIGNED otherwise", () => {
  ok("sign", "-i", LATENCY, "-o", at("l.wasm"), "-k", at("a.key"), "-K", at("a.pub"));
  assert.match(ok("verify", "-i", at("l.wasm"), "-K", at("a.pub")), /Signature is valid/);
  refused("E_KEY_UNKNOWN", "verify", "-i", at("l.wasm"), "-K", at("b.pub"));
  const tampered = readFileSync(at("l.wasm"));
  tampered.writeUInt8(tampered.readUInt8(tampered.length - 3) ^ 0x01, tampered.length - 3);
  writeFileSync(at("tampered.wasm"), tampered);
  refused("E_SIGNATURE_INVALID", "verify", "-i", at("tampered.wasm"), "-K", at("a.pub"));
  refused("E_UNSIGNED", "verify", "-i", LATENCY, "-K", at("a.pub"));
});

test("a second signer adds a signature; each key verifies; inspect --json shows both key ids", () => {
  ok("sign", "-i", LATENCY, "-o", at("one.wasm"), "-k", at("a.key"), "-K", at("a.pub"));
  ok("sign", "-i", at("one.wasm"), "-o", at("two.wasm"), "-k", at("p-key.pem"));
  ok("verify", "-i", at("two.wasm"), "-K", at("a.pub"));
  ok("verify", "-i", at("two.wasm"), "-K", at("p.pem"));
  const info = JSON.parse(ok("inspect", at("two.wasm"), "--json"));
  assert.is(info.kind, "module");
  assert.is(info.sections[0].name, "signature");
  assert.is(info.manifest.name, "latency");
  assert.ok(info.imports.some((i: { name: string }) => i.name === "received-at"));
  assert.ok(info.exports.some((e: { name: string }) => e.name === "response"));
  const sigs = info.signature.sets[0].signatures;
  assert.is(sigs.length, 2);
  assert.is(sigs[0].keyId.length, 24);
  assert.is(sigs[1].keyId, null);
  assert.ok(info.signature.sets[0].coversFile);
  const text = ok("inspect", at("two.wasm"));
  assert.match(text, /custom "wasi-observability"/);
  assert.match(text, new RegExp(`key id ${sigs[0].keyId}`));
});

test("detached signatures: -S writes the signature apart, verify -S accepts it, without it the module is unsigned", () => {
  ok("sign", "-i", LATENCY, "-o", at("d.wasm"), "-k", at("a.key"), "-S", at("d.sig"));
  assert.equal([...readFileSync(at("d.wasm"))], [...readFileSync(LATENCY)]);
  ok("verify", "-i", at("d.wasm"), "-K", at("a.pub"), "-S", at("d.sig"));
  refused("E_UNSIGNED", "verify", "-i", at("d.wasm"), "-K", at("a.pub"));
  ok("attach", "-i", at("d.wasm"), "-o", at("attached.wasm"), "-S", at("d.sig"));
  ok("verify", "-i", at("attached.wasm"), "-K", at("a.pub"));
});

test("bundle create, list and verify; --trust applies grants; a denied capability refuses the bundle", () => {
  ok("sign", "-i", LATENCY, "-o", at("bl.wasm"), "-k", at("a.key"), "-K", at("a.pub"));
  ok("sign", "-i", SAMPLER, "-o", at("bs.wasm"), "-k", at("a.key"), "-K", at("a.pub"));
  const created = ok(
    "bundle",
    "create",
    "-o",
    at("edge.spb"),
    "-k",
    at("a.key"),
    "-K",
    at("a.pub"),
    "--name",
    "edge",
    "--version",
    "1.2.0",
    at("bl.wasm"),
    at("bs.wasm"),
  );
  assert.match(created, /2 probe\(s\)/);
  const listed = JSON.parse(ok("bundle", "list", at("edge.spb"), "--json"));
  assert.equal(
    listed.probes.map((p: { name: string }) => p.name),
    ["latency", "sampler"],
  );
  assert.is(listed.verified, false);
  assert.match(ok("bundle", "verify", "-i", at("edge.spb"), "-K", at("a.pub")), /Bundle edge 1\.2\.0 is valid/);
  refused("E_KEY_UNKNOWN", "bundle", "verify", "-i", at("edge.spb"), "-K", at("b.pub"));

  const trust = {
    keys: [{ name: "release", publicKey: "a.pub" }],
    grants: { latency: { capabilities: ["http.method", "http.route", "http.status", "http.received-at"] } },
  };
  writeFileSync(at("trust.json"), JSON.stringify(trust));
  refused("E_CAPABILITY_DENIED", "bundle", "verify", "-i", at("edge.spb"), "--trust", at("trust.json"));
  writeFileSync(
    at("trust.json"),
    JSON.stringify({ ...trust, grants: { ...trust.grants, sampler: { capabilities: ["http.route"] } } }),
  );
  ok("bundle", "verify", "-i", at("edge.spb"), "--trust", at("trust.json"));
  writeFileSync(at("trust.json"), JSON.stringify({ ...trust, versions: { bundle: { edge: "2.0.0" } } }));
  refused("E_ROLLBACK", "bundle", "verify", "-i", at("edge.spb"), "--trust", at("trust.json"));
  writeFileSync(at("trust.json"), JSON.stringify({ ...trust, threshold: 2 }));
  refused("E_POLICY", "verify", "-i", at("bl.wasm"), "--trust", at("trust.json"));
});

test("usage mistakes exit 2 with usage on stderr; missing files exit 3; --help exits 0 for every command", async () => {
  assert.is(sandprobe().code, 2);
  const unknown = sandprobe("frobnicate");
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const missing = sandprobe("verify", "-K", at("a.pub"));
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /missing -i\/--input-file/);
  assert.is(sandprobe("sign", "--bogus").code, 2);
  assert.is(sandprobe("bundle", "explode").code, 2);
  const notThere = sandprobe("verify", "-i", at("nope.wasm"), "-K", at("a.pub"));
  assert.is(notThere.code, 3);
  assert.match(notThere.stderr, /cannot read .*nope\.wasm: no such file/);
  const main = ok("--help");
  assert.ok(ok("bundle", "--help").startsWith("Usage: sandprobe bundle"));
  // Every other command's help through the same dispatcher, in process (one spawn each would be slow).
  for (const name of ["keygen", "sign", "verify", "inspect", "detach", "attach", "bundle"]) {
    assert.match(main, new RegExp(`\\n  ${name} `));
    let out = "";
    const io = {
      ...nodeIo(),
      stdout: (text: string) => {
        out += text;
      },
    };
    assert.is(await run([name, "--help"], io), 0, name);
    assert.ok(out.startsWith(`Usage: sandprobe ${name}`), name);
  }
});

test.run();
