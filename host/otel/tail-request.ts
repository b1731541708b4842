import { type Context, createContextKey } from "@opentelemetry/api";

/** What the request's end tells a tail sampler. */
export interface TailDecisionInput {
  /** A probe's decision (the `sample` import); undefined when no probe decided. */
  readonly keep: boolean | undefined;
  /** The request's route template, for the critical-path rule. */
  readonly route?: string;
}

/**
 * One request's held spans, as the runtime sees them: something to decide
 * when the request ends. The tail sampler (telemetry/tail-sampling.ts) puts
 * one in each request's context; this side depends on @opentelemetry/api only.
 */
export interface TailRequest {
  /** The request is over: keep or drop everything it held, and what it ends later. Returns whether it was kept. */
  decide(input: TailDecisionInput): boolean;
}

/**
 * What the runtime needs of a tail sampler: a request context that carries
 * the request's TailRequest (`TailSamplingProcessor` implements it).
 */
export interface TailAttach {
  attach(context: Context): Context;
}

const TAIL_REQUEST = createContextKey("sandprobe.tail-sampling.request");

/** The tail request a context carries, if tail sampling is on for it. */
export function tailRequestOf(context: Context): TailRequest | undefined {
  return context.getValue(TAIL_REQUEST) as TailRequest | undefined;
}

/** A context carrying `request`. */
export function withTailRequest(context: Context, request: TailRequest): Context {
  return context.setValue(TAIL_REQUEST, request);
}
