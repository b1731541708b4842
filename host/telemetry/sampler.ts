import { type Attributes, type Context, type Link, type SpanKind, TraceFlags, trace } from "@opentelemetry/api";
import type { Sampler, SamplingDecision, SamplingResult } from "@opentelemetry/sdk-trace-base";
import { keepByRatio } from "../otel/ratio.js";
import { type SamplingOptions, SamplingPolicy } from "../otel/sampling-policy.js";

// SamplingDecision's values, without a run-time dependency on the SDK.
const NOT_RECORD = { decision: 0 as SamplingDecision } as const satisfies SamplingResult;
const RECORD_AND_SAMPLED = { decision: 2 as SamplingDecision } as const satisfies SamplingResult;

/**
 * The head sampler for an OpenTelemetry SDK `TracerProvider`, in this order:
 * 1. critical path: a span whose start attributes carry a critical
 *    `http.route` or the priority attribute is kept, whatever else says;
 * 2. parent-based: a valid parent (remote or local) decides by its sampled flag;
 * 3. root: TraceID-ratio, the same decision as `TraceIdRatioBasedSampler`.
 * Probe decisions (the `sample` import) ride on the parent's sampled flag,
 * so step 2 carries them to every span started afterwards.
 */
export class ProbeSampler implements Sampler {
  readonly policy: SamplingPolicy;

  constructor(policy: SamplingPolicy | SamplingOptions = {}) {
    this.policy = policy instanceof SamplingPolicy ? policy : new SamplingPolicy(policy);
  }

  shouldSample(
    context: Context,
    traceId: string,
    _spanName: string,
    _spanKind: SpanKind,
    attributes: Attributes,
    _links: Link[],
  ): SamplingResult {
    const policy = this.policy;
    if (attributes !== undefined) {
      const route = attributes["http.route"];
      if (typeof route === "string" && policy.isCriticalRoute(route)) return RECORD_AND_SAMPLED;
      if (policy.isPriority(attributes[policy.priorityAttribute])) return RECORD_AND_SAMPLED;
    }
    if (policy.parentBased) {
      const parent = trace.getSpanContext(context);
      if (parent !== undefined && trace.isSpanContextValid(parent)) {
        return (parent.traceFlags & TraceFlags.SAMPLED) !== 0 ? RECORD_AND_SAMPLED : NOT_RECORD;
      }
    }
    return keepByRatio(traceId, policy.upperBound) ? RECORD_AND_SAMPLED : NOT_RECORD;
  }

  toString(): string {
    const p = this.policy;
    return `ProbeSampler{ratio=${p.ratio}, parentBased=${p.parentBased}, criticalRoutes=${p.criticalRoutes.length}}`;
  }
}
