import { type TracerProvider, trace } from "@opentelemetry/api";
import { type HostClock, performanceClock } from "../clock/clock.js";
import { SandprobeError } from "../errors.js";
import type { ProbeLogRecord } from "../imports/context.js";
import { type AdmittedProbe, admitProbe } from "./admit.js";
import { DEFAULT_LIMITS, type HostLimits } from "./limits.js";
import { LoadedProbe } from "./probe.js";
import { type RequestInfo, RequestScope } from "./scope.js";
import type { ProbeStatsSnapshot } from "./stats.js";

export interface RuntimeOptions {
  /** Where probe spans go; defaults to the global provider of @opentelemetry/api. */
  readonly tracerProvider?: TracerProvider;
  readonly clock?: HostClock;
  readonly limits?: Partial<HostLimits>;
  /** Receives probe log lines (capped per invocation); dropped when absent. */
  readonly onLog?: (record: ProbeLogRecord) => void;
}

/**
 * A probe to load: its bytes, and optionally the module already compiled
 * from exactly those bytes (runtimes such as workerd forbid compiling at run
 * time and hand over modules compiled at deploy time).
 */
export type ProbeSource = Uint8Array | { readonly bytes: Uint8Array; readonly module?: WebAssembly.Module };

export interface ProbeInfo {
  readonly name: string;
  readonly version: string;
  readonly hooks: readonly string[];
  readonly quarantined: boolean;
}

async function compile(admitted: AdmittedProbe, module: WebAssembly.Module | undefined): Promise<WebAssembly.Module> {
  if (module) return module;
  try {
    return await WebAssembly.compile(admitted.bytes as BufferSource);
  } catch (error) {
    throw new SandprobeError("E_COMPILE", `${admitted.manifest.name}: ${(error as Error).message}`, {
      probe: admitted.manifest.name,
    });
  }
}

/**
 * The probe runtime: admits, compiles and instantiates probes, and runs them
 * for each request. The loaded set is immutable and replaced as a whole, so
 * a request always sees one consistent set, even during a reload.
 */
export class ProbeRuntime {
  private probeSet: readonly LoadedProbe[] = [];
  private readonly env: {
    clock: HostClock;
    tracerProvider: TracerProvider;
    limits: HostLimits;
    log: (record: ProbeLogRecord) => void;
  };

  constructor(options: RuntimeOptions = {}) {
    this.env = {
      clock: options.clock ?? performanceClock(),
      tracerProvider: options.tracerProvider ?? trace.getTracerProvider(),
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      log: options.onLog ?? (() => {}),
    };
  }

  get clock(): HostClock {
    return this.env.clock;
  }

  /** The provider probe spans (and adapters' server spans) are created with. */
  get tracerProvider(): TracerProvider {
    return this.env.tracerProvider;
  }

  /** Verify, compile, instantiate and `init` probes, without touching the loaded set. */
  async prepare(sources: readonly ProbeSource[]): Promise<LoadedProbe[]> {
    const admitted = sources.map((source) => {
      const bytes = source instanceof Uint8Array ? source : source.bytes;
      return { admitted: admitProbe(bytes), module: source instanceof Uint8Array ? undefined : source.module };
    });
    const names = new Set<string>();
    for (const { admitted: a } of admitted) {
      if (names.has(a.manifest.name)) throw new SandprobeError("E_MANIFEST", `probe "${a.manifest.name}" given twice`);
      names.add(a.manifest.name);
    }
    const modules = await Promise.all(admitted.map(({ admitted: a, module }) => compile(a, module)));
    return admitted.map(({ admitted: a }, i) => LoadedProbe.create(a, modules[i] as WebAssembly.Module, this.env));
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
    return new RequestScope(this.probeSet, request, this.env.clock);
  }
}

function info(probe: LoadedProbe): ProbeInfo {
  return { name: probe.name, version: probe.version, hooks: [...probe.hooks], quarantined: probe.quarantined };
}
