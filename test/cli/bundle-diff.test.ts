/**
 * `sandprobe bundle diff OLD NEW`: what an operator reviews before a
 * rollout. Probes added, removed, changed and unchanged; versions; every
 * capability and header a probe gains (the part a reviewer must not miss);
 * and warnings for versions going down and bytes changed under the same
 * version. A file that is not a bundle is refused with its code.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createBundle } from "../../host/trust/bundle/create.js";
import { diffBundles } from "../../host/trust/bundle/diff.js";
import type { SecretKey } from "../../host/trust/signature/keys.js";
import { signModule } from "../../host/trust/signature/sign.js";
import type { Manifest } from "../../host/world/manifest.js";
import { codeOf, testKey, withManifest } from "../support/signing.js";

const dir = mkdtempSync(join(tmpdir(), "sandprobe-diff-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function probe(name: string, change: Partial<Manifest>, key: SecretKey): Promise<Uint8Array> {
  return (await signModule(await withManifest(name, change), key)).bytes;
}

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ["dist/host/cli/main.js", ...args], { encoding: "utf8", timeout: 30_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

test("diff names added, removed, changed and unchanged probes, versions and the capabilities a probe gains", async () => {
  const key = await testKey(1);
  const latency1 = await probe("latency", { version: "1.0.0" }, key);
  const oldBundle = await createBundle(
    { name: "edge", version: "1.0.0", probes: [latency1, await probe("sampler", { version: "1.0.0" }, key)] },
    key,
  );
  const latency2 = await probe(
    "latency",
    {
      version: "1.1.0",
      capabilities: ["http.method", "http.route", "http.status", "http.received-at", "http.header"],
      headers: ["authorization"],
      limits: { fuel: 5_000 },
    },
    key,
  );
  const newBundle = await createBundle(
    { name: "edge", version: "1.1.0", probes: [latency2, await probe("slow-detector", { version: "1.0.0" }, key)] },
    key,
  );
  writeFileSync(join(dir, "old.spb"), oldBundle);
  writeFileSync(join(dir, "new.spb"), newBundle);
  const json = cli("bundle", "diff", join(dir, "old.spb"), join(dir, "new.spb"), "--json");
  assert.is(json.code, 0, json.stderr);
  const diff = JSON.parse(json.stdout);
  assert.is(diff.verified, false);
  assert.equal(diff.old, { name: "edge", version: "1.0.0" });
  assert.equal(diff.new, { name: "edge", version: "1.1.0" });
  assert.equal(
    diff.probes.map((p: { name: string; change: string }) => `${p.change} ${p.name}`),
    ["changed latency", "removed sampler", "added slow-detector"],
  );
  const latency = diff.probes[0];
  assert.equal([latency.oldVersion, latency.newVersion], ["1.0.0", "1.1.0"]);
  assert.equal(latency.capabilitiesAdded, ["http.header"]);
  assert.equal(latency.headersAdded, ["authorization"]);
  assert.is(latency.limitsChanged, true);
  assert.equal(diff.warnings, []);
  // A probe that is added brings all it asks for as "added": a reviewer sees every new grant.
  assert.ok(diff.probes[2].capabilitiesAdded.length > 0);
  const text = cli("bundle", "diff", join(dir, "old.spb"), join(dir, "new.spb"));
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /changed\s+latency\s+1\.0\.0 -> 1\.1\.0/);
  assert.match(text.stdout, /capabilities added: http\.header/);
  assert.match(text.stdout, /headers added: authorization/);
  assert.match(text.stdout, /1 added, 1 removed, 1 changed, 0 unchanged/);
});

test("warnings: a version that goes down, bytes changed under the same version, another bundle name", async () => {
  const key = await testKey(1);
  const a = await createBundle(
    { name: "edge", version: "2.0.0", probes: [await probe("latency", { version: "2.0.0" }, key)] },
    key,
  );
  const down = await createBundle(
    { name: "edge", version: "1.9.0", probes: [await probe("latency", { version: "1.0.0" }, key)] },
    key,
  );
  const rebuilt = await createBundle(
    {
      name: "edge",
      version: "2.0.1",
      probes: [await probe("latency", { version: "2.0.0", limits: { fuel: 1_000 } }, key)],
    },
    key,
  );
  const other = await createBundle(
    { name: "other", version: "3.0.0", probes: [await probe("latency", { version: "2.0.0" }, key)] },
    key,
  );
  const rolledBack = diffBundles(a, down);
  assert.match(rolledBack.warnings.join(), /bundle version goes down/);
  assert.match(rolledBack.probes[0]?.warnings.join() ?? "", /version goes down \(2\.0\.0 -> 1\.0\.0\)/);
  const sameVersion = diffBundles(a, rebuilt);
  assert.is(sameVersion.probes[0]?.change, "changed");
  assert.match(sameVersion.probes[0]?.warnings.join() ?? "", /bytes changed but the version did not/);
  assert.match(diffBundles(a, other).warnings.join(), /another bundle/);
  assert.is(diffBundles(a, a).probes[0]?.change, "unchanged");
  assert.equal(diffBundles(a, a).warnings.length, 1, "the same version twice is worth a warning");
});

test("a file that is not a bundle is refused with its code; a wrong argument count is a usage error", async () => {
  const key = await testKey(1);
  const a = await createBundle({ name: "edge", version: "1.0.0", probes: [await probe("latency", {}, key)] }, key);
  assert.is(await codeOf(() => diffBundles(a, new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))), "E_MALFORMED");
  writeFileSync(join(dir, "a.spb"), a);
  writeFileSync(join(dir, "junk.spb"), "not a bundle");
  const junk = cli("bundle", "diff", join(dir, "a.spb"), join(dir, "junk.spb"));
  assert.is(junk.code, 1);
  assert.match(junk.stderr, /^E_MALFORMED: /);
  assert.is(cli("bundle", "diff", join(dir, "a.spb")).code, 2);
});

test.run();
