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
import { admitProbe } from "../load/admit.js";
import { type PreparedProbe, prepareProbe } from "../load/prepare.js";
import { TelemetryLedger } from "../otel/ledger.js";
import type { ProbeLoggerProvider } from "../otel/probe-telemetry.js";
import type { SamplingPolicy } from "../otel/sampling-policy.js";
import type { TailAttach } from "../otel/tail-request.js";
import type { TrustPolicy } from "../trust/policy.js";
import { recordAccepted } from "../trust/record.js";
import { isVerifiedProbe, type VerifiedProbe } from "../trust/verify-probe.js";
import { type HostLimitOverrides, type HostLimits, hostLimits } from "../world/limits.js";
import type { ProbeLogRecord } from "./host/core/context.js";
import { LoadedProbe, type ProbeEnvironment } from "./probe.js";
import { INSECURE_WARNING, type ProvenanceOptions, settleBytes, type UnverifiedBytes } from "./provenance.js";
import { type RequestInfo, RequestScope } from "./scope.js";
import type { ProbeStatsSnapshot } from "./stats.js";

export interface RuntimeOptions {
  /** Where probe spans go; defaults to the global provider of @opentelemetry/api. */
  readonly tracerProvider?: TracerProvider;
  readonly clock?: HostClock;
  readonly limits?: HostLimitOverrides;
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
  /**
   * The keys probe bytes given to `load` and `replaceAll` must be signed by,
   * with their scopes, grants and rollback ledger. Without it the runtime
   * loads only probes verified elsewhere (a TrustedLoader, verifyProbe).
   */
  readonly trust?: TrustPolicy;
  /**
   * DEVELOPMENT ONLY: load unsigned probe bytes without verification (with
   * exactly the capabilities their manifests request). Warns once; probes
   * loaded so show `verified: false` in `probes()` and `stats()`. A present
   * signature that does not verify is still refused.
   */
  readonly insecureAllowUnsigned?: boolean;
  /** Where the runtime says something the operator must know (default console.warn). */
  readonly onWarning?: (message: string) => void;
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
  /** False only for a probe loaded unsigned under `insecureAllowUnsigned`. */
  readonly verified: boolean;
}

interface Settled {
  readonly probe: VerifiedProbe | UnverifiedBytes;
  readonly module: WebAssembly.Module | undefined;
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
  private readonly provenance: ProvenanceOptions;
  private readonly warn: (message: string) => void;
  private warned = false;
  /** The live set's verified probes by digest, as prepared (sandboxed + compiled): bounded by the set. */
  private preparedByDigest = new Map<string, PreparedProbe>();

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
    this.provenance = { trust: options.trust, insecureAllowUnsigned: options.insecureAllowUnsigned === true };
    this.warn = options.onWarning ?? ((message) => console.warn(message));
  }

  /** Whether this runtime loads unsigned probes (the development opt-in). */
  get insecureAllowUnsigned(): boolean {
    return this.provenance.insecureAllowUnsigned;
  }

  /** The trust decision for one source: verified (here or before), or unsigned under the opt-in. */
  private async settle(source: ProbeSource): Promise<Settled> {
    const precompiled = source instanceof Uint8Array || isVerifiedProbe(source) ? undefined : source;
    const given: unknown = precompiled ? precompiled.probe : source;
    let probe: VerifiedProbe | UnverifiedBytes;
    if (given instanceof Uint8Array) probe = await settleBytes(given, this.provenance);
    else if (isVerifiedProbe(given)) probe = given;
    else {
      throw new SandprobeError(
        "E_UNSIGNED",
        "a probe source is bytes, a VerifiedProbe made by verifyProbe, or { probe, module }: an object shaped like a VerifiedProbe is not one",
      );
    }
    if ("unverified" in probe && !this.warned) {
      this.warned = true;
      this.warn(INSECURE_WARNING);
    }
    return { probe, module: precompiled?.module };
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
    return (await this.prepareSettled(sources)).map((p) => p.loaded);
  }

  private async prepareSettled(
    sources: readonly ProbeSource[],
  ): Promise<{ loaded: LoadedProbe; verified: VerifiedProbe | undefined; prepared: PreparedProbe }[]> {
    const settled = await Promise.all(sources.map((s) => this.settle(s)));
    const admitted = settled.map((s) => {
      const verified = "unverified" in s.probe ? undefined : s.probe;
      // A verified probe byte for byte in the live set was sandboxed and compiled already: reuse that work.
      const reused = verified && s.module === undefined ? this.preparedByDigest.get(verified.digest) : undefined;
      return {
        admitted: reused ?? admitProbe("unverified" in s.probe ? s.probe.unverified : s.probe),
        reused,
        verified,
        module: s.module,
      };
    });
    const names = new Set<string>();
    for (const { admitted: a } of admitted) {
      if (names.has(a.manifest.name)) throw new SandprobeError("E_MANIFEST", `probe "${a.manifest.name}" given twice`);
      names.add(a.manifest.name);
    }
    const prepared = await Promise.all(
      admitted.map((a) => a.reused ?? prepareProbe(a.admitted, this.limits, a.module, { batch: admitted.length > 1 })),
    );
    return prepared.map((p, i) => {
      const verified = admitted[i]?.verified;
      return { loaded: LoadedProbe.create(p, this.env, verified !== undefined), verified, prepared: p };
    });
  }

  /** Remember how the live set's verified probes were prepared, so a swap that keeps one does not compile it again. */
  private remember(prepared: readonly { verified: VerifiedProbe | undefined; prepared: PreparedProbe }[]): void {
    this.preparedByDigest = new Map();
    for (const p of prepared) if (p.verified) this.preparedByDigest.set(p.verified.digest, p.prepared);
  }

  /** Record verified probes as accepted in the runtime's own policy (rollback protection), once they are live. */
  private accept(prepared: readonly { verified: VerifiedProbe | undefined }[]): void {
    const trust = this.provenance.trust;
    if (!trust) return;
    for (const { verified } of prepared) if (verified) recordAccepted(trust, verified);
  }

  /** Load one probe, replacing a loaded probe of the same name. */
  async load(source: ProbeSource): Promise<ProbeInfo> {
    const prepared = await this.prepareSettled([source]);
    const loaded = prepared[0]?.loaded as LoadedProbe;
    this.probeSet = [...this.probeSet.filter((p) => p.name !== loaded.name), loaded];
    this.accept(prepared);
    return info(loaded);
  }

  /** Replace the whole loaded set atomically: all of `sources` or, on any error, nothing changes. */
  async replaceAll(sources: readonly ProbeSource[]): Promise<ProbeInfo[]> {
    const prepared = await this.prepareSettled(sources);
    this.probeSet = prepared.map((p) => p.loaded);
    this.remember(prepared);
    this.accept(prepared);
    return this.probeSet.map(info);
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
  return {
    name: probe.name,
    version: probe.version,
    hooks: [...probe.hooks],
    quarantined: probe.quarantined,
    verified: probe.verified,
  };
}
