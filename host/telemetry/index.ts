/**
 * `sandprobe/telemetry`: the OpenTelemetry pipeline for probe telemetry
 * (sampling, tail sampling, accounting, export). Needs the OpenTelemetry SDK
 * packages (optional peer dependencies); the core `sandprobe` entry point
 * needs only `@opentelemetry/api`.
 */

export {
  DROP_REASONS,
  type ProbeAccountSnapshot,
  SignalAccount,
  type SignalAccountSnapshot,
  type TelemetryDropReason,
  TelemetryLedger,
} from "../otel/ledger.js";
export { type MetricOutcome, ProbeTelemetry } from "../otel/probe-telemetry.js";
export { keepByRatio, normalizeRatio, ratioUpperBound, traceIdHash } from "../otel/ratio.js";
export { type SamplingOptions, SamplingPolicy } from "../otel/sampling-policy.js";
export type { TailDecisionInput } from "../otel/tail-request.js";
export {
  type AccountableLogRecord,
  AccountingLogRecordProcessor,
  type AccountingOptions,
  AccountingSpanProcessor,
} from "./accounting.js";
export { type Environment, type EnvironmentSettings, settingsFromEnvironment } from "./env.js";
export { observeBundleWatch } from "./fleet-metrics.js";
export {
  hrTimeToNanos,
  JsonLinesLogExporter,
  JsonLinesMetricExporter,
  JsonLinesSpanExporter,
  type LineSink,
  spanToJson,
} from "./jsonl.js";
export { observeLedger } from "./ledger-metrics.js";
export { parseResourceAttributes, type ResourceOptions, resourceAttributes, SANDPROBE_VERSION } from "./resource.js";
export { ProbeSampler } from "./sampler.js";
export {
  createTelemetry,
  type ExportTarget,
  type FlushResult,
  type OtlpOptions,
  type OtlpProtocol,
  type SignalExporters,
  type TailOptions,
  type Telemetry,
  type TelemetryOptions,
} from "./setup.js";
export { TailBucket, type TailSamplingOptions, TailSamplingProcessor } from "./tail-sampling.js";
