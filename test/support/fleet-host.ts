/**
 * A host in its own process, for the restart test: it opens the version
 * ledger file, watches a bundle file, and exits once the bundle is live and
 * the ledger persisted, printing the outcome as JSON.
 *
 *   node dist/test/support/fleet-host.js LEDGER BUNDLE
 */
import { fileBundleSource, fileVersionStore } from "../../host/adapters/node-fleet.js";
import { TrustedLoader } from "../../host/runtime/loader.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { PersistedVersionLedger } from "../../host/trust/persisted-versions.js";
import { openPolicy, testKey } from "./signing.js";

const [ledgerPath, bundlePath] = process.argv.slice(2) as [string, string];
const versions = await PersistedVersionLedger.open(fileVersionStore(ledgerPath));
const policy = await openPolicy([await testKey(1)], { versions });
const loader = new TrustedLoader({ runtime: new ProbeRuntime(), policy });
const watch = loader.watch(fileBundleSource(bundlePath, { pollMs: 20 }), {
  onOutcome: (outcome) => {
    const { kind } = outcome;
    const line =
      kind === "accepted"
        ? { kind, version: outcome.bundle.version, persisted: outcome.persisted }
        : { kind, code: outcome.code };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    void watch.stop();
  },
});
