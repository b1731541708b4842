import {
  type Context,
  type MeterProvider,
  metrics,
  context as otelContext,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { type HostClock, performanceClock } from "../clock/clock.js";
import { SandprobeError } from "../errors.js";
import { type AdmittedProbe, admitProbe } from "../load/admit.js";
import { prepareProbe } from "../load/prepare.js";
import { TelemetryLedger } from "../otel/ledger.js";
import type { ProbeLoggerProvider } from "../otel/probe-telemetry.js";
import type { SamplingPolicy } from "../otel/sampling-policy.js";
import type { TailAttach } from "../otel/tail-request.js";
import { isVerifiedProbe, type VerifiedProbe } from "../trust/verify-probe.js";
import { type HostLimits, hostLimits } from "../world/limits.js";
import type { ProbeLogRecord } from "./host/core/context.js";
import { LoadedProbe, type ProbeEnvironment } from "./probe.js";
import { type RequestInfo, RequestScope } from "./scope.js";
import type { ProbeStatsSnapshot } from "./stats.js";

export interface RuntimeOptions {
  /** Where probe spans go; defaults to the global provider of @opentelemetry/api. */
  readonly tracerProvider?: TracerProvider;
  readonly clock?: HostClock;
  readonly limits?: Partial<HostLimits>;
  /** Receives probe log lines (capped per invocation); dropped when absent. */
  readonly onLog?: (record: ProbeLogRecord) => void;
  /** Where probe metrics go; defaults to the global provider of @opentelemetry/api. */
  readonly meterProvider?: MeterProvider;
  /** Probe log lines also become OpenTelemetry log records here (an @opentelemetry/api-logs LoggerProvider). */
  readonly loggerProvider?: ProbeLoggerProvider;
  /** Accounts for every probe span and log record (a fresh ledger by default). */
  readonly ledger?: TelemetryLedger;
  /** Critical routes: a request on one is kept (its context marked sampled) before any probe runs. */
  readonly sampling?: SamplingPolicy;
  /** Tail sampling: each request's spans are held until the request's end decides. */
  readonly tailSampling?: TailAttach;
}

/** A probe with the module compiled at deploy time from `sandboxedProbeBytes(bytes)` (runtimes such as workerd forbid compiling at run time). */
export interface PrecompiledProbe {
  readonly probe: Uint8Array | VerifiedProbe;
  readonly module: WebAssembly.Module;
}

/**
 * A probe to load: its bytes (a core module, or a component of the probe
 * world, whose core module then runs on the fast path), a VerifiedProbe
 * (verifyProbe, TrustedLoader), or either with its precompiled module.
 */
export type ProbeSource = Uint8Array | VerifiedProbe | PrecompiledProbe;

export interface ProbeInfo {
  readonly name: string;
  readonly version: string;
  readonly hooks: readonly string[];
  readonly quarantined: boolean;
}

/** Admit one source: its trust is settled (verified, or plain bytes), its imports and exports checked. */
function admit(source: ProbeSource): { admitted: AdmittedProbe; module: WebAssembly.Module | undefined } {
  const precompiled = !(source instanceof Uint8Array) && !isVerifiedProbe(source) ? source : undefined;
  const probe = precompiled ? precompiled.probe : source;
  if (!(probe instanceof Uint8Array) && !isVerifiedProbe(probe)) {
    throw new SandprobeError(
      "E_MALFORMED",
      "a probe source is bytes, a VerifiedProbe from verifyProbe, or { probe, module }: an object shaped like a VerifiedProbe is not one",
    );
  }
  return { admitted: admitProbe(probe as Uint8Array | VerifiedProbe), module: precompiled?.module };
}

/**
 * The probe runtime: admits, compiles and instantiates probes, and runs them
 * for each request. The loaded set is immutable and replaced as a whole, so
 * a request always sees one consistent set, even during a reload.
 */
export class ProbeRuntime {
  private probeSet: readonly LoadedProbe[] = [];
  private readonly env: ProbeEnvironment;
  /** The host's limits, checked once; each probe's own are derived from them when it loads. */
  private readonly limits: HostLimits;
  private readonly sampling: SamplingPolicy | undefined;
  private readonly tail: TailAttach | undefined;

  constructor(options: RuntimeOptions = {}) {
    const limits = hostLimits(options.limits);
    this.limits = limits;
    this.env = {
      clock: options.clock ?? performanceClock(),
      tracerProvider: options.tracerProvider ?? trace.getTracerProvider(),
      log: options.onLog ?? (() => {}),
      telemetry: {
        ledger: options.ledger ?? new TelemetryLedger(),
        meterProvider: options.meterProvider ?? metrics.getMeterProvider(),
        loggerProvider: options.loggerProvider,
        maxMetricSeries: limits.metricSeriesPerProbe,
      },
    };
    this.sampling = options.sampling;
    this.tail = options.tailSampling;
  }

  /** The ledger: per probe, spans and log records emitted, exported and dropped (by reason). */
  get ledger(): TelemetryLedger {
    return this.env.telemetry.ledger;
  }

  /**
   * The context a request's spans should start under: with tail sampling on,
   * the context gains the request's buffer, so the spans an adapter starts
   * before `begin` (its server span) are kept or dropped with the probes'.
   */
  requestContext(parent: Context = otelContext.active()): Context {
    return this.tail ? this.tail.attach(parent) : parent;
  }

  get clock(): HostClock {
    return this.env.clock;
  }

  /** The provider probe spans (and adapters' server spans) are created with. */
  get tracerProvider(): TracerProvider {
    return this.env.tracerProvider;
  }

  /** Admit, sandbox, compile, instantiate and `init` probes, without touching the loaded set. */
  async prepare(sources: readonly ProbeSource[]): Promise<LoadedProbe[]> {
    const admitted = sources.map(admit);
    const names = new Set<string>();
    for (const { admitted: a } of admitted) {
      if (names.has(a.manifest.name)) throw new SandprobeError("E_MANIFEST", `probe "${a.manifest.name}" given twice`);
      names.add(a.manifest.name);
    }
    const prepared = await Promise.all(admitted.map((a) => prepareProbe(a.admitted, this.limits, a.module)));
    return prepared.map((p) => LoadedProbe.create(p, this.env));
  }

  /** Load one probe, replacing a loaded probe of the same name. */
  async load(source: ProbeSource): Promise<ProbeInfo> {
    const [probe] = await this.prepare([source]);
    const loaded = probe as LoadedProbe;
    this.probeSet = [...this.probeSet.filter((p) => p.name !== loaded.name), loaded];
    return info(loaded);
  }

  /** Replace the whole loaded set atomically: all of `sources` or, on any error, nothing changes. */
  async replaceAll(sources: readonly ProbeSource[]): Promise<ProbeInfo[]> {
    const probes = await this.prepare(sources);
    this.probeSet = probes;
    return probes.map(info);
  }

  unload(name: string): boolean {
    const before = this.probeSet.length;
    this.probeSet = this.probeSet.filter((p) => p.name !== name);
    return this.probeSet.length !== before;
  }

  probes(): ProbeInfo[] {
    return this.probeSet.map(info);
  }

  stats(): Record<string, ProbeStatsSnapshot> {
    return Object.fromEntries(this.probeSet.map((p) => [p.name, p.stats.snapshot()]));
  }

  /** Start a request: call `request()`, `response(status)` and `end()` on the scope. */
  begin(request: RequestInfo = {}): RequestScope {
    const info = this.tail ? { ...request, parent: this.requestContext(request.parent) } : request;
    const scope = new RequestScope(this.probeSet, info, this.env.clock);
    // A critical route is kept whatever the incoming flag said: mark the parent sampled.
    if (this.sampling?.isCriticalRoute(info.route)) scope.sample(true);
    return scope;
  }
}

function info(probe: LoadedProbe): ProbeInfo {
  return { name: probe.name, version: probe.version, hooks: [...probe.hooks], quarantined: probe.quarantined };
}
