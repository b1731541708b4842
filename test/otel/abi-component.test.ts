// The ABI extensions (trace add-link and add-event-with-attribute, the
// metrics interface) are part of the WIT world: a probe using them still
// becomes a valid component with `jco new`, importing exactly the world's
// interfaces, and the verifier admits its core module.
import { componentWit } from "@bytecodealliance/jco";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { admitProbe } from "../../host/cli/tooling.js";
import { componentize, expectedWorld, parsePrintedWorld, worldProblems } from "../../scripts/build-components.js";
import { probeBytes } from "../support/probes.js";

test("a probe using links, event attributes and metrics componentizes against wit/", async () => {
  const core = await probeBytes("testing", "fidelity");
  const imports = admitProbe(core).module.imports.map((i) => `${i.module}#${i.name}`);
  for (const name of [
    "sandprobe:probe/trace@0.1.0#add-link",
    "sandprobe:probe/trace@0.1.0#add-event-with-attribute",
    "sandprobe:probe/metrics@0.1.0#counter-add",
    "sandprobe:probe/metrics@0.1.0#histogram-record",
  ]) {
    assert.ok(imports.includes(name), name);
  }
  const expected = await expectedWorld();
  assert.ok(expected.imports.includes("sandprobe:probe/metrics@0.1.0"));
  const world = parsePrintedWorld(await componentWit(await componentize(core)));
  assert.equal(worldProblems(world, expected), []);
  assert.ok(world.imports.includes("sandprobe:probe/metrics@0.1.0"));
});

test.run();
