export type * from "../../../world/wasi-otel.js";
export { WASI_OTEL_TRACING, WASI_OTEL_TYPES } from "../../../world/wasi-otel.js";
export {
  createOtelTracingHost,
  DEFAULT_OTEL_LIMITS,
  decodeAnyValue,
  type OtelDropReason,
  type OtelInvocationSummary,
  type OtelTracingHost,
  type OtelTracingHostOptions,
  type OtelTracingLimits,
} from "./tracing-host.js";
