import { normalizeRatio, ratioUpperBound } from "./ratio.js";

/** How sandprobe samples; one policy is shared by the head sampler, the runtime and the tail sampler. */
export interface SamplingOptions {
  /** Fraction of traces kept by trace id where no parent decides (default 1: keep all). */
  readonly ratio?: number;
  /** Follow the parent's sampled flag, remote or local, when there is a parent (default true). */
  readonly parentBased?: boolean;
  /**
   * Route templates always kept, whatever the parent or the ratio says:
   * exact ("/checkout") or a prefix ending in "*" ("/payment/*").
   */
  readonly criticalRoutes?: readonly string[];
  /**
   * An attribute that forces a keep when it is `true` or a number above 0:
   * at span start for the head sampler, on any span of the request for the
   * tail sampler (default "sampling.priority", the OpenTracing convention
   * the collector's tail sampling also reads).
   */
  readonly priorityAttribute?: string;
}

/** A validated, precomputed sampling policy. */
export class SamplingPolicy {
  readonly ratio: number;
  readonly upperBound: number;
  readonly parentBased: boolean;
  readonly priorityAttribute: string;
  readonly criticalRoutes: readonly string[];
  private readonly exact: ReadonlySet<string>;
  private readonly prefixes: readonly string[];

  constructor(options: SamplingOptions = {}) {
    this.ratio = normalizeRatio(options.ratio ?? 1);
    this.upperBound = ratioUpperBound(this.ratio);
    this.parentBased = options.parentBased ?? true;
    this.priorityAttribute = options.priorityAttribute ?? "sampling.priority";
    this.criticalRoutes = [...(options.criticalRoutes ?? [])];
    this.exact = new Set(this.criticalRoutes.filter((r) => !r.endsWith("*")));
    this.prefixes = this.criticalRoutes.filter((r) => r.endsWith("*")).map((r) => r.slice(0, -1));
  }

  /** Whether a request on this route template must be kept. */
  isCriticalRoute(route: string | undefined): boolean {
    if (!route) return false;
    if (this.exact.has(route)) return true;
    for (const prefix of this.prefixes) if (route.startsWith(prefix)) return true;
    return false;
  }

  /** Whether an attribute value asks for a forced keep. */
  isPriority(value: unknown): boolean {
    return value === true || (typeof value === "number" && value > 0);
  }
}
