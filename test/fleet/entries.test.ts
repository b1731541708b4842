/**
 * The fleet pieces are reachable the way users import them: "sandprobe/fleet"
 * (web-standard: http source, persisted ledger) and "sandprobe/fleet-node"
 * (file source, file store), through package.json's exports.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";

test("sandprobe/fleet and sandprobe/fleet-node resolve through the package exports", async () => {
  const fleet = await import("sandprobe/fleet");
  assert.type(fleet.httpBundleSource, "function");
  assert.type(fleet.PersistedVersionLedger.open, "function");
  assert.type(fleet.memoryVersionStore, "function");
  const node = await import("sandprobe/fleet-node");
  assert.type(node.fileBundleSource, "function");
  assert.type(node.fileVersionStore, "function");
  const { observeBundleWatch } = await import("sandprobe/telemetry");
  assert.type(observeBundleWatch, "function");
});

test.run();
