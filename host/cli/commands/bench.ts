import { admitProbe } from "../../load/admit.js";
import { parseBundle } from "../../trust/bundle/format.js";
import { createTrustPolicy, type TrustPolicy } from "../../trust/policy.js";
import { decodePublicKey } from "../../trust/signature/keys.js";
import { CAPABILITIES } from "../../world/manifest.js";
import { benchBundle } from "../bench/bundle.js";
import { renderHtml } from "../bench/html.js";
import { Progress, renderText } from "../bench/report.js";
import { type CliIo, type Command, ExitCode, parse, UsageError } from "../command.js";
import { loadTrustFile } from "../trust-file.js";

const usage = `Usage: sandprobe bench BUNDLE (--trust TRUST.json | -K PK [-K PK ...]) [--quick] [--json] [--html FILE]

Measure what the probes of a signed bundle cost, each against a baseline in
the same process (interleaved rounds, medians, p99, ratios):
  2. hooks with a no-op tracer vs the same spans made in JavaScript
  3. hooks forwarding spans through the OpenTelemetry SDK vs the same spans
     in JavaScript (needs @opentelemetry/sdk-trace-base installed)
  4. fuel metering on vs off
  5. cold start: verify + instrument + compile + instantiate, by phase
  6. memory per probe instance, and how many fit in 128 MiB
The bundle is verified first (with --trust, the whole policy; with -K, its
signatures, every capability granted). A full run takes about a minute.

Options:
      --trust FILE     trust policy file (see docs/signing.md)
  -K, --public-key PK  trusted public key (repeatable; --key PK is the same)
      --quick          a few rounds only: checks that it runs, numbers are rough
      --json           print the report as JSON instead of tables
      --html FILE      also write a self-contained HTML report with charts
  -h, --help           show this help`;

/** -K keys: signatures only, every capability and every header the bundle's manifests name granted. */
async function keysPolicy(files: readonly string[], bundle: Uint8Array, io: CliIo): Promise<TrustPolicy> {
  const keys = [];
  for (const file of files) keys.push({ publicKey: await decodePublicKey(await io.readFile(file)) });
  const headers = new Set<string>();
  for (const probe of parseBundle(bundle).probes)
    for (const h of admitProbe(probe.bytes).manifest.headers) headers.add(h);
  return createTrustPolicy({ keys, grants: { "*": { capabilities: CAPABILITIES, headers: [...headers] } } });
}

export const bench: Command = {
  name: "bench",
  summary: "measure what a bundle's probes cost per request, at load and in memory",
  usage,
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      {
        trust: { type: "string" },
        "public-key": { type: "string", short: "K", multiple: true },
        key: { type: "string", multiple: true },
        quick: { type: "boolean" },
        json: { type: "boolean" },
        html: { type: "string" },
      },
      true,
    );
    if (positionals.length !== 1) throw new UsageError("give exactly one bundle file");
    const keyFiles = [...(values["public-key"] ?? []), ...(values.key ?? [])];
    if (keyFiles.length > 0 && values.trust !== undefined) throw new UsageError("give -K or --trust, not both");
    if (keyFiles.length === 0 && values.trust === undefined) throw new UsageError("missing --trust or -K/--key");
    const bytes = await io.readFile(positionals[0] as string);
    const policy =
      values.trust === undefined ? await keysPolicy(keyFiles, bytes, io) : await loadTrustFile(values.trust, io);
    const progress = new Progress(io.stderr, Boolean(process.stderr.isTTY) && !values.json);
    const report = await benchBundle(bytes, {
      policy,
      quick: values.quick === true,
      onProgress: (step, fraction) => progress.update(step, fraction),
    });
    progress.done();
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
    if (values.html !== undefined) {
      await io.writeFile(values.html, renderHtml(report));
      if (!values.json) io.stdout(`HTML report: ${values.html}\n`);
    }
    return ExitCode.ok;
  },
};
