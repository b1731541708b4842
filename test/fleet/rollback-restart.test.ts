/**
 * Rollback protection survives a restart: a host in its own process accepts
 * bundle 2.0.0 and persists its ledger to a file; a restarted host opening
 * that file refuses 1.0.0 (E_ROLLBACK) though it never saw 2.0.0 itself. An
 * unreadable ledger stops the host (E_LEDGER) instead of silently starting
 * empty, which would reopen rollback; a store that refuses a write leaves the
 * set live and the protection in memory, and the next flush persists it.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileBundleSource, fileVersionStore } from "../../host/adapters/node-fleet.js";
import type { BundleOutcome } from "../../host/runtime/fleet/watch.js";
import { TrustedLoader } from "../../host/runtime/loader.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { memoryVersionStore, PersistedVersionLedger } from "../../host/trust/persisted-versions.js";
import { edgeBundle, tampered, until } from "../support/fleet.js";
import { codeOf, openPolicy, testKey } from "../support/signing.js";

async function host(versions: PersistedVersionLedger) {
  const policy = await openPolicy([await testKey(1)], { versions });
  const runtime = new ProbeRuntime();
  return { runtime, loader: new TrustedLoader({ runtime, policy }) };
}

function runHostProcess(ledger: string, bundle: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["dist/test/support/fleet-host.js", ledger, bundle], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`host exited ${code}: ${out}`))));
  });
}

test("a restarted host refuses a bundle older than one it accepted before the restart", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sandprobe-restart-"));
  try {
    const key = await testKey(1);
    const ledger = join(dir, "versions.json");
    const bundle = join(dir, "edge.spb");
    await writeFile(bundle, await edgeBundle("2.0.0", key));
    // Before the restart: another process accepts 2.0.0 and persists the ledger, then exits.
    assert.equal(JSON.parse(await runHostProcess(ledger, bundle)), {
      kind: "accepted",
      version: "2.0.0",
      persisted: true,
    });
    const stored = JSON.parse(await readFile(ledger, "utf8"));
    assert.is(stored.bundle.edge, "2.0.0");
    assert.is(stored.probe.latency, "2.0.0");
    // After: a new host, nothing in memory, the same ledger file.
    const restarted = await host(await PersistedVersionLedger.open(fileVersionStore(ledger)));
    const older = await edgeBundle("1.0.0", key);
    assert.is(await codeOf(() => restarted.loader.loadBundle(older)), "E_ROLLBACK");
    assert.equal(restarted.runtime.probes(), []);
    // The same version again (a host rejoining the fleet) and newer ones load.
    assert.is((await restarted.loader.loadBundle(await edgeBundle("2.0.0", key))).version, "2.0.0");
    assert.is((await restarted.loader.loadBundle(await edgeBundle("2.1.0", key))).version, "2.1.0");
    assert.ok(await restarted.loader.persist());
    // And a second restart remembers 2.1.0: 2.0.0 is now the rollback.
    const again = await host(await PersistedVersionLedger.open(fileVersionStore(ledger)));
    assert.is(await codeOf(async () => again.loader.loadBundle(await edgeBundle("2.0.0", key))), "E_ROLLBACK");
    // Writes are atomic renames: no temporary file is left beside the ledger.
    assert.equal((await readdir(dir)).sort(), ["edge.spb", "versions.json"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("an unreadable ledger stops the host with E_LEDGER instead of starting empty", async () => {
  const cases: Record<string, string> = {
    "not JSON": "{ truncated",
    "wrong schema": JSON.stringify({ schema: 2, bundle: {} }),
    "a version that is not semver": JSON.stringify({ schema: 1, bundle: { edge: "latest" }, probe: {} }),
    "names not an object": JSON.stringify({ schema: 1, bundle: ["edge"], probe: {} }),
  };
  for (const [what, text] of Object.entries(cases)) {
    const store = memoryVersionStore({ "sandprobe-versions": text });
    assert.is(await codeOf(() => PersistedVersionLedger.open(store)), "E_LEDGER", what);
  }
  const failing = { get: async () => Promise.reject(new Error("KV unavailable")), put: async () => {} };
  assert.is(await codeOf(() => PersistedVersionLedger.open(failing)), "E_LEDGER");
  // Absent is different: a new host.
  const fresh = await PersistedVersionLedger.open(memoryVersionStore());
  assert.is(fresh.get("bundle", "edge"), undefined);
});

test("a store that refuses a write: the bundle is live, protection holds in memory, the next flush persists", async () => {
  const key = await testKey(1);
  const store = memoryVersionStore();
  let refuse = true;
  const flaky = {
    get: store.get,
    put: async (k: string, v: string) => (refuse ? Promise.reject(new Error("disk full")) : store.put(k, v)),
  };
  const { loader, runtime } = await host(await PersistedVersionLedger.open(flaky));
  const outcomes: BundleOutcome[] = [];
  const dir = await mkdtemp(join(tmpdir(), "sandprobe-flaky-"));
  try {
    const file = join(dir, "edge.spb");
    await writeFile(file, await edgeBundle("3.0.0", key));
    const watch = loader.watch(fileBundleSource(file, { pollMs: 20 }), { onOutcome: (o) => outcomes.push(o) });
    await until(() => outcomes.length === 1, "the first outcome");
    assert.is(outcomes[0]?.kind, "accepted");
    assert.is(outcomes[0]?.kind === "accepted" && outcomes[0].persisted, false);
    assert.equal(
      runtime.probes().map((p) => p.version),
      ["3.0.0", "3.0.0", "3.0.0"],
    );
    assert.is(store.values.size, 0);
    // Protection in memory still refuses the older bundle.
    const older = join(dir, "older.spb");
    await writeFile(older, await edgeBundle("2.0.0", key));
    await rename(older, file);
    await until(() => outcomes.length === 2, "the second outcome");
    assert.equal(outcomes[1]?.kind === "refused" && outcomes[1].code, "E_ROLLBACK");
    await watch.stop();
    refuse = false;
    assert.ok(await loader.persist());
    assert.is(JSON.parse(store.values.get("sandprobe-versions") ?? "{}").bundle.edge, "3.0.0");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("hosts sharing one KV key keep the highest version any of them accepted", async () => {
  const key = await testKey(1);
  const kv = memoryVersionStore();
  const a = await host(await PersistedVersionLedger.open(kv));
  const b = await host(await PersistedVersionLedger.open(kv));
  await a.loader.loadBundle(await edgeBundle("3.0.0", key));
  assert.ok(await a.loader.persist());
  await b.loader.loadBundle(await edgeBundle("2.0.0", key)); // b started before a's write
  assert.ok(await b.loader.persist());
  const stored = JSON.parse(kv.values.get("sandprobe-versions") ?? "{}");
  assert.is(stored.bundle.edge, "3.0.0", "a later, lower write must not lower the mark");
  const c = await host(await PersistedVersionLedger.open(kv));
  assert.is(await codeOf(async () => c.loader.loadBundle(await edgeBundle("2.0.0", key))), "E_ROLLBACK");
});

test("a tampered bundle delivered through the file source is refused and changes nothing", async () => {
  const key = await testKey(1);
  const { loader, runtime } = await host(await PersistedVersionLedger.open(memoryVersionStore()));
  const dir = await mkdtemp(join(tmpdir(), "sandprobe-file-"));
  const outcomes: BundleOutcome[] = [];
  try {
    const file = join(dir, "edge.spb");
    await writeFile(file, await edgeBundle("1.0.0", key));
    const watch = loader.watch(fileBundleSource(file, { pollMs: 20 }), { onOutcome: (o) => outcomes.push(o) });
    await until(() => outcomes.length === 1, "v1");
    const next = join(dir, "next.spb");
    await writeFile(next, tampered(await edgeBundle("2.0.0", key)));
    await rename(next, file);
    await until(() => outcomes.length === 2, "the tampered one");
    await writeFile(next, await edgeBundle("2.0.0", key));
    await rename(next, file);
    await until(() => outcomes.length === 3, "v2");
    await watch.stop();
    assert.equal(
      outcomes.map((o) => (o.kind === "accepted" ? o.bundle.version : o.kind === "refused" ? o.code : o.kind)),
      ["1.0.0", "E_SIGNATURE_INVALID", "2.0.0"],
    );
    const status = watch.status();
    assert.equal(
      { accepted: status.accepted, refused: status.refused, running: status.running, current: status.current?.version },
      { accepted: 2, refused: 1, running: false, current: "2.0.0" },
    );
    assert.equal(status.refusedBy, { E_SIGNATURE_INVALID: 1 });
    assert.equal(
      runtime.probes().map((p) => p.version),
      ["2.0.0", "2.0.0", "2.0.0"],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
