import type { TracerProvider } from "@opentelemetry/api";
import type { HostClock } from "../clock/clock.js";
import { SandprobeError } from "../errors.js";
import { START_EXPORT } from "../load/meter/abi.js";
import type { PreparedProbe } from "../load/prepare.js";
import { ProbeTelemetry, type ProbeTelemetryOptions } from "../otel/probe-telemetry.js";
import { SpanTable } from "../otel/span-table.js";
import { type HookName, type Manifest, stringEncodingOf } from "../world/manifest.js";
import { postReturnExport } from "../world/names.js";
import { classifyFailure, FailurePolicy, meteredFailure } from "./failure.js";
import { initView } from "./host/context.js";
import type { ActiveCall, ProbeContext, ProbeLogRecord, RequestView } from "./host/core/context.js";
import { GuestMemory } from "./host/core/guest-memory.js";
import { buildImports } from "./host/core/index.js";
import { ProbeRates } from "./quotas.js";
import { ProbeStats } from "./stats.js";

export interface ProbeEnvironment {
  readonly clock: HostClock;
  readonly tracerProvider: TracerProvider;
  readonly log: (record: ProbeLogRecord) => void;
  /** Meters, loggers and the ledger probes report to. */
  readonly telemetry: ProbeTelemetryOptions;
}

/**
 * A loaded probe, whichever path runs it (the fast path's LoadedProbe, the
 * jco path's JcoProbe): hooks run synchronously and never throw; a failure
 * comes back as a value, is counted, and repeated failures quarantine it.
 */
export interface Probe {
  readonly name: string;
  readonly version: string;
  readonly manifest: Manifest;
  readonly hooks: ReadonlySet<HookName>;
  readonly stats: ProbeStats;
  readonly quarantined: boolean;
  /** Whether the probe runs `hook` (checked before a request makes it a span table). */
  handles(hook: HookName): boolean;
  /** Run one hook for one request. */
  invoke(hook: HookName, request: RequestView, spans: SpanTable): SandprobeError | undefined;
}

/** A metered entry (docs/metering.md): takes the fuel budget, returns the fuel left. */
type HookFunction = (budget: number) => number;

function postReturnOf(exports: Record<string, unknown>, name: string): HookFunction | undefined {
  const post = exports[postReturnExport(name)];
  return typeof post === "function" ? (post as HookFunction) : undefined;
}

/**
 * One admitted, compiled probe and its live instance. Hooks run
 * synchronously; a failure poisons the instance (its guest state may be
 * half-updated), and the next call starts from a fresh instance.
 */
export class LoadedProbe implements Probe {
  /** False when loaded unsigned under insecureAllowUnsigned. */
  readonly verified: boolean;
  readonly name: string;
  readonly version: string;
  readonly manifest: Manifest;
  readonly hooks: ReadonlySet<HookName>;
  readonly stats = new ProbeStats();
  private readonly module: WebAssembly.Module;
  private readonly ctx: ProbeContext;
  private readonly clock: HostClock;
  /** Reused by every call: hooks of one instance never overlap. */
  private readonly active: ActiveCall;
  private exports: WebAssembly.Exports | undefined;
  private request: HookFunction | undefined;
  private response: HookFunction | undefined;
  /** The hooks' post-return functions (`cabi_post_<hook>`), when the probe exports them. */
  private requestPost: HookFunction | undefined;
  private responsePost: HookFunction | undefined;
  /** Fuel the last successful call used. */
  private fuelUsed = 0;
  private poisoned = false;
  private readonly failures: FailurePolicy;

  private constructor(prepared: PreparedProbe, env: ProbeEnvironment, verified: boolean) {
    this.verified = verified;
    this.stats.verified = verified;
    this.manifest = prepared.manifest;
    this.name = prepared.manifest.name;
    this.version = prepared.manifest.version;
    this.hooks = new Set(prepared.hooks);
    this.module = prepared.compiled;
    this.clock = env.clock;
    const limits = prepared.limits;
    const memory = new GuestMemory();
    memory.maxStringUnits = limits.maxStringUnits;
    memory.useEncoding(stringEncodingOf(prepared.manifest));
    this.ctx = {
      name: this.name,
      telemetry: new ProbeTelemetry(this.name, this.version, env.telemetry),
      manifest: prepared.manifest,
      memory,
      clock: env.clock,
      tracer: env.tracerProvider.getTracer(this.name, this.version),
      tracerProvider: env.tracerProvider,
      limits,
      stats: this.stats,
      rates: new ProbeRates(limits, env.clock),
      log: env.log,
      call: undefined,
      abortMessage: undefined,
    };
    this.active = { request: initView(), spans: new SpanTable(), spansStarted: 0, logUnits: 0 };
    this.failures = new FailurePolicy(this.stats, limits, env.clock);
  }

  /** Instantiate and run `init`; throws a typed error if either fails. */
  static create(prepared: PreparedProbe, env: ProbeEnvironment, verified: boolean): LoadedProbe {
    const probe = new LoadedProbe(prepared, env, verified);
    const failure = probe.instantiate();
    if (failure) throw failure;
    return probe;
  }

  /** Whether the probe exports `hook` (cheaper than `hooks.has` on the hot path). */
  handles(hook: HookName): boolean {
    return (hook === "request" ? this.request : this.response) !== undefined;
  }

  get quarantined(): boolean {
    return this.failures.quarantined;
  }

  private instantiate(): SandprobeError | undefined {
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(this.module, buildImports(this.ctx));
    } catch (error) {
      const message = `${this.name}: instantiation failed: ${(error as Error).message}`;
      return new SandprobeError("E_COMPILE", message, { probe: this.name }, { cause: error });
    }
    const exports = instance.exports as Record<string, unknown>;
    this.exports = instance.exports;
    const memory = exports.memory instanceof WebAssembly.Memory ? exports.memory : undefined;
    const realloc = typeof exports.cabi_realloc === "function" ? (exports.cabi_realloc as never) : undefined;
    this.ctx.memory.bind(memory, realloc);
    this.request = this.hooks.has("request") ? (exports.request as HookFunction) : undefined;
    this.response = this.hooks.has("response") ? (exports.response as HookFunction) : undefined;
    this.requestPost = this.request ? postReturnOf(exports, "request") : undefined;
    this.responsePost = this.response ? postReturnOf(exports, "response") : undefined;
    this.poisoned = false;
    // The start function (no longer run by instantiation), then init: each metered with the init budget.
    const spans = new SpanTable();
    let failure: SandprobeError | undefined;
    const start = exports[START_EXPORT];
    if (typeof start === "function") {
      failure = this.call(start as HookFunction, undefined, initView(), spans, this.ctx.limits.fuelForInit);
    }
    if (!failure && typeof exports.init === "function") {
      const init = exports.init as HookFunction;
      failure = this.call(init, postReturnOf(exports, "init"), initView(), spans, this.ctx.limits.fuelForInit);
    }
    spans.endAll(this.clock.toEpoch(this.clock.nowNs()));
    return failure;
  }

  /** Run one metered entry, then its post-return function (if any) on what the entry left of the budget. */
  private call(
    fn: HookFunction,
    post: HookFunction | undefined,
    request: RequestView,
    spans: SpanTable,
    budget: number,
  ): SandprobeError | undefined {
    const active = this.active;
    active.request = request;
    active.spans = spans;
    active.spansStarted = 0;
    active.logUnits = 0;
    const ctx = this.ctx;
    ctx.rates.open();
    ctx.call = active;
    ctx.abortMessage = undefined;
    try {
      const left = fn(budget);
      this.fuelUsed = budget - (post === undefined ? left : post(left));
    } catch (error) {
      ctx.call = undefined;
      return this.trapped(error, budget);
    }
    ctx.call = undefined;
    return undefined;
  }

  /** What a call that threw failed with; the instance is poisoned (its guest state may be half-updated). */
  private trapped(error: unknown, budget: number): SandprobeError {
    this.poisoned = true;
    return (
      meteredFailure(error, this.exports ?? {}, this.name, budget) ??
      classifyFailure(error, this.name, this.ctx.abortMessage)
    );
  }

  /**
   * Run one hook for one request. Never throws: a failure comes back as a
   * value, is counted, and after repeated failures quarantines the probe.
   * The common case (a live instance, a hook that returns) stays small
   * enough for the engine to inline it into the request's dispatch.
   */
  invoke(hook: HookName, request: RequestView, spans: SpanTable): SandprobeError | undefined {
    if (!this.failures.admit()) return undefined;
    if (this.poisoned) {
      const failure = this.restart();
      if (failure) return this.failed(failure);
    }
    const isRequest = hook === "request";
    const fn = isRequest ? this.request : this.response;
    if (fn === undefined) {
      this.failures.succeeded();
      return undefined;
    }
    const failure = this.call(
      fn,
      isRequest ? this.requestPost : this.responsePost,
      request,
      spans,
      this.ctx.limits.fuelPerHook,
    );
    return failure === undefined ? this.succeeded() : this.failed(failure);
  }

  /** A poisoned instance is replaced by a fresh one (and its init) before its next hook. */
  private restart(): SandprobeError | undefined {
    this.stats.reinstantiations++;
    return this.instantiate();
  }

  private succeeded(): undefined {
    this.failures.succeeded();
    this.stats.fuel.record(this.fuelUsed);
    return undefined;
  }

  private failed(failure: SandprobeError): SandprobeError {
    this.failures.failed(failure);
    return failure;
  }
}
