import { type Command, ExitCode, parse, required, UsageError } from "../command.js";
import { DEFAULT_COMPATIBILITY_DATE, DEFAULT_PORT, packWorker } from "../pack/project.js";

export const pack: Command = {
  name: "pack",
  summary: "verify a signed bundle and write a ready workerd project around a worker entry",
  usage: `Usage: sandprobe pack -b BUNDLE (--trust TRUST.json | -K PK [-K PK ...]) -e ENTRY -o DIR [options]

Verify BUNDLE (every signature against the trust policy, the capabilities it
grants, each probe's imports and exports, compilation, init), then write DIR:
config.capnp, worker.mjs (the workerd entry), app.mjs (ENTRY, sandprobe and
the OpenTelemetry OTLP exporter bundled by esbuild), the signed bundle as a
data module and each probe as a wasm module. The worker verifies the bundle
again when it starts; if that fails it serves without probes and says why.
Nothing is written when verification fails.

ENTRY is an ES module whose default export is { fetch(request, env, ctx, edge) }.
Run the result with: workerd serve DIR/config.capnp

Options:
  -b, --bundle BUNDLE         signed probe bundle (sandprobe bundle create)
      --trust FILE            trust policy file (keys, scopes, threshold, grants)
  -K, --public-key PK         a trusted key (repeatable); without --trust every
                              capability the signed probes request is granted
  -e, --entry ENTRY           the worker entry module (JavaScript or TypeScript)
  -o, --out DIR               the project directory (empty or new)
      --port N                127.0.0.1 port of the HTTP socket (default ${DEFAULT_PORT})
      --otlp URL              OTLP/HTTP traces URL (default: $SANDPROBE_OTLP_URL
                              of the workerd process)
      --service-name NAME     service.name of exported spans (default: bundle name)
      --compatibility-date D  workerd compatibility date (default ${DEFAULT_COMPATIBILITY_DATE})
      --env NAME              a binding NAME taken from workerd's environment (repeatable)
      --status-path PATH      where the worker reports its probe status as JSON
                              (default /__sandprobe)
      --no-status             no status path (the refusal header and log remain)
      --wrangler              also write wrangler.toml, so DIR deploys to Cloudflare
                              Workers as it is: cd DIR && wrangler deploy
      --worker-name NAME      the Worker's name for --wrangler (default: from the
                              bundle name)
      --force                 write into a non-empty DIR
  -h, --help                  show this help`,
  async run(args, io) {
    const { values } = parse(args, {
      bundle: { type: "string", short: "b" },
      trust: { type: "string" },
      "public-key": { type: "string", short: "K", multiple: true },
      entry: { type: "string", short: "e" },
      out: { type: "string", short: "o" },
      port: { type: "string" },
      otlp: { type: "string" },
      "service-name": { type: "string" },
      "compatibility-date": { type: "string" },
      env: { type: "string", multiple: true },
      force: { type: "boolean" },
      "status-path": { type: "string" },
      "no-status": { type: "boolean" },
      wrangler: { type: "boolean" },
      "worker-name": { type: "string" },
    });
    if (values["worker-name"] !== undefined && !values.wrangler) throw new UsageError("--worker-name needs --wrangler");
    if (values["no-status"] && values["status-path"] !== undefined) {
      throw new UsageError("give --status-path or --no-status, not both");
    }
    const keyFiles = values["public-key"] ?? [];
    if (keyFiles.length > 0 && values.trust !== undefined) throw new UsageError("give -K or --trust, not both");
    if (keyFiles.length === 0 && values.trust === undefined) throw new UsageError("missing --trust or -K/--public-key");
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new UsageError(`--port must be 1..65535, not ${values.port}`);
    }
    const result = await packWorker(
      {
        bundle: required(values.bundle, "-b/--bundle"),
        trust: values.trust === undefined ? { keyFiles } : { file: values.trust },
        entry: required(values.entry, "-e/--entry"),
        outDir: required(values.out, "-o/--out"),
        ...(port === undefined ? {} : { port }),
        ...(values.otlp === undefined ? {} : { otlpUrl: values.otlp }),
        ...(values["service-name"] === undefined ? {} : { serviceName: values["service-name"] }),
        ...(values["compatibility-date"] === undefined ? {} : { compatibilityDate: values["compatibility-date"] }),
        ...(values.env === undefined ? {} : { envBindings: values.env }),
        force: values.force === true,
        ...(values["no-status"] ? { statusPath: null } : {}),
        ...(values["status-path"] === undefined ? {} : { statusPath: values["status-path"] }),
        ...(values.wrangler
          ? { wrangler: values["worker-name"] === undefined ? {} : { name: values["worker-name"] } }
          : {}),
      },
      io,
    );
    const probes = result.probes.map((p) => `  ${p.name} ${p.version} -> ${p.file}`).join("\n");
    io.stdout(
      `packed bundle ${result.bundle.name} ${result.bundle.version} (sha256 ${result.bundle.digest}), verified:\n${probes}\n` +
        `-> ${result.outDir} (${result.files.length} files); run: workerd serve ${result.outDir}/config.capnp\n` +
        (values.wrangler ? `deploy: cd ${result.outDir} && wrangler deploy\n` : ""),
    );
    return ExitCode.ok;
  },
};
