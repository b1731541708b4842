import type { Context } from "@opentelemetry/api";

/**
 * What the runtime needs of a tail sampler: a request context that carries
 * the request's buffer (`TailSamplingProcessor` implements it). Kept apart
 * so the core's types depend on @opentelemetry/api only.
 */
export interface TailAttach {
  attach(context: Context): Context;
}
