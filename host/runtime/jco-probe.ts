import { type MeterProvider, metrics, type TracerProvider } from "@opentelemetry/api";
import type { HostClock } from "../clock/clock.js";
import { SandprobeError } from "../errors.js";
import { findComponentManifest } from "../load/component/manifest.js";
import { TelemetryLedger } from "../otel/ledger.js";
import { type ProbeLoggerProvider, ProbeTelemetry } from "../otel/probe-telemetry.js";
import { SpanTable } from "../otel/span-table.js";
import { isVerifiedProbe, type VerifiedProbe } from "../trust/verify-probe.js";
import type { ProbeExports } from "../world/lifted.js";
import { type HostLimitOverrides, hostLimits, probeLimits } from "../world/limits.js";
import { decodeManifest, type HookName, MANIFEST_SECTION, type Manifest } from "../world/manifest.js";
import { HOOK_NAMES } from "../world/names.js";
import { classifyFailure, FailurePolicy } from "./failure.js";
import { initView, type ProbeLogRecord, type RequestView } from "./host/context.js";
import { instantiateTranspiled, type TranspiledComponent } from "./host/lifted/instantiate.js";
import { type LiftedProbeContext, liftedProbeImports } from "./host/lifted/probe-host.js";
import type { Probe } from "./probe.js";
import { ProbeRates } from "./quotas.js";
import { type RequestInfo, RequestScope } from "./scope.js";
import { ProbeStats } from "./stats.js";

export interface JcoProbeOptions {
  readonly tracerProvider: TracerProvider;
  readonly clock: HostClock;
  readonly limits?: HostLimitOverrides;
  readonly onLog?: (record: ProbeLogRecord) => void;
  /** Where probe metrics go; defaults to the global provider of @opentelemetry/api. */
  readonly meterProvider?: MeterProvider;
  /** Probe log lines also become OpenTelemetry log records here. */
  readonly loggerProvider?: ProbeLoggerProvider;
  /** Accounts for the probe's spans and log records (a fresh ledger by default). */
  readonly ledger?: TelemetryLedger;
  /** Replace interface implementations by import key, e.g. preview2-shim's monotonic clock. */
  readonly overrides?: Readonly<Record<string, object>>;
  /**
   * DEVELOPMENT ONLY: accept component bytes that were not verified (see
   * RuntimeOptions.insecureAllowUnsigned). Without it, `load` takes a
   * VerifiedProbe from verifyProbe.
   */
  readonly insecureAllowUnsigned?: boolean;
}

/** One request on the jco path, with the fast path's RequestScope semantics. */
export interface JcoRequest {
  readonly scope: RequestScope;
  readonly failures: SandprobeError[];
  request(): void;
  response(status: number): void;
  end(): void;
}

/**
 * A probe component run by jco (transpiled, instantiated with the lifted
 * imports of `liftedProbeImports`). It has the same `invoke` contract as the
 * fast path's LoadedProbe: hooks run synchronously and failures come back as
 * values, and repeated failures quarantine the probe. A trapped instance is
 * rebuilt in the background (instantiation is asynchronous here); calls made
 * before `ready()` resolves fail fast.
 */
export class JcoProbe implements Probe {
  readonly name: string;
  readonly version: string;
  readonly manifest: Manifest;
  readonly hooks: ReadonlySet<HookName>;
  readonly stats = new ProbeStats();
  private readonly ctx: LiftedProbeContext;
  private readonly transpiled: TranspiledComponent;
  private readonly overrides: Readonly<Record<string, object>>;
  private exports: ProbeExports | undefined;
  private rebuilding: Promise<void> | undefined;
  private rebuildInFlight = false;
  private readonly failures: FailurePolicy;

  private constructor(manifest: Manifest, transpiled: TranspiledComponent, options: JcoProbeOptions) {
    this.manifest = manifest;
    this.name = manifest.name;
    this.version = manifest.version;
    this.transpiled = transpiled;
    this.overrides = options.overrides ?? {};
    this.hooks = new Set<HookName>(manifest.hooks.length > 0 ? manifest.hooks : HOOK_NAMES);
    const limits = probeLimits(hostLimits(options.limits), manifest.limits);
    this.ctx = {
      name: this.name,
      manifest,
      clock: options.clock,
      tracer: options.tracerProvider.getTracer(this.name, this.version),
      tracerProvider: options.tracerProvider,
      limits,
      stats: this.stats,
      rates: new ProbeRates(limits, options.clock),
      telemetry: new ProbeTelemetry(this.name, this.version, {
        ledger: options.ledger ?? new TelemetryLedger(),
        meterProvider: options.meterProvider ?? metrics.getMeterProvider(),
        loggerProvider: options.loggerProvider,
        maxMetricSeries: limits.metricSeriesPerProbe,
      }),
      log: options.onLog ?? (() => {}),
      call: undefined,
      abortMessage: undefined,
    };
    this.failures = new FailurePolicy(this.stats, limits, options.clock);
  }

  /**
   * Load a probe component: `component` is its bytes (for the manifest, top
   * level or in a core module), `transpiled` what `jco transpile` with
   * `instantiation: "async"` made of them. Instantiates and runs `init`.
   */
  static async load(
    component: Uint8Array | VerifiedProbe,
    transpiled: TranspiledComponent,
    options: JcoProbeOptions,
  ): Promise<JcoProbe> {
    let manifest: Manifest;
    if (isVerifiedProbe(component)) manifest = component.manifest;
    else if (component instanceof Uint8Array && options.insecureAllowUnsigned === true) {
      const section = findComponentManifest(component);
      if (!section) throw new SandprobeError("E_MANIFEST", `the component has no "${MANIFEST_SECTION}" section`);
      manifest = decodeManifest(section);
    } else {
      throw new SandprobeError(
        "E_UNSIGNED",
        "JcoProbe.load takes a VerifiedProbe (verifyProbe); unverified bytes only with { insecureAllowUnsigned: true }",
      );
    }
    const probe = new JcoProbe(manifest, transpiled, options);
    probe.stats.verified = isVerifiedProbe(component);
    const failure = await probe.instantiate();
    if (failure) throw failure;
    return probe;
  }

  get quarantined(): boolean {
    return this.failures.quarantined;
  }

  /** Resolves once a fresh instance replaces one that trapped. */
  async ready(): Promise<void> {
    await this.rebuilding;
  }

  private async instantiate(): Promise<SandprobeError | undefined> {
    const imports = { ...liftedProbeImports(this.ctx), ...this.overrides };
    const exports = await instantiateTranspiled<ProbeExports>(this.transpiled, imports);
    const spans = new SpanTable();
    const failure = typeof exports.init === "function" ? this.call(exports.init, initView(), spans) : undefined;
    spans.endAll(this.ctx.clock.toEpoch(this.ctx.clock.nowNs()));
    this.exports = failure ? undefined : exports;
    return failure;
  }

  private call(fn: () => void, request: RequestView, spans: SpanTable): SandprobeError | undefined {
    this.ctx.call = { request, spans, spansStarted: 0, logUnits: 0 };
    this.ctx.rates.open();
    this.ctx.abortMessage = undefined;
    try {
      fn();
      return undefined;
    } catch (error) {
      return classifyFailure(error, this.name, this.ctx.abortMessage);
    } finally {
      this.ctx.call = undefined;
    }
  }

  handles(hook: HookName): boolean {
    return this.hooks.has(hook);
  }

  /** Run one hook for one request (the fast path's LoadedProbe.invoke contract). Never throws. */
  invoke(hook: HookName, request: RequestView, spans: SpanTable): SandprobeError | undefined {
    if (!this.hooks.has(hook)) return undefined;
    if (!this.failures.admit()) return undefined;
    const exports = this.exports;
    let failure: SandprobeError | undefined;
    if (!exports) {
      this.rebuild();
      failure = new SandprobeError("E_PROBE_TRAP", `${this.name}: instance is being rebuilt after a trap`, {
        probe: this.name,
        rebuilding: true,
      });
    } else {
      const fn = exports[hook];
      if (typeof fn === "function") failure = this.call(fn, request, spans);
    }
    if (!failure) {
      this.failures.succeeded();
      return undefined;
    }
    this.failures.failed(failure);
    if (exports) {
      // A trap poisons the instance: build a fresh one.
      this.exports = undefined;
      this.rebuild();
    }
    return failure;
  }

  private rebuild(): void {
    if (this.rebuildInFlight) return;
    this.rebuildInFlight = true;
    this.stats.reinstantiations++;
    this.rebuilding = this.instantiate()
      .catch(() => undefined)
      .then(() => {
        this.rebuildInFlight = false;
      });
  }

  /** Start a request with the fast path's RequestScope semantics (trace context, sampling, status). */
  begin(info: RequestInfo = {}): JcoRequest {
    const scope = new RequestScope([], info, this.ctx.clock);
    const spans = new SpanTable();
    const failures: SandprobeError[] = [];
    const run = (hook: HookName) => {
      const failure = this.invoke(hook, scope, spans);
      if (failure) failures.push(failure);
    };
    let ended = false;
    return {
      scope,
      failures,
      request: () => {
        if (!ended) run("request");
      },
      response: (status) => {
        if (ended) return;
        scope.response(status);
        run("response");
      },
      end: () => {
        if (ended) return;
        ended = true;
        scope.end();
        const left = spans.endAll(this.ctx.clock.toEpoch(this.ctx.clock.nowNs()));
        this.stats.spansUnended += left;
      },
    };
  }
}
