/**
 * sandprobe at the edge (web-standard only): a probed fetch-handler worker,
 * bundle verification inside the worker, per-request span batching, an
 * honest clock and trace propagation on outgoing fetches. The OTel SDK
 * wiring (OTLP export from a worker) is "sandprobe/edge/otlp"
 * (telemetry/edge-otlp.ts), outside this entry point.
 */
export {
  type ClockFacts,
  COARSE_RESOLUTION_NS,
  type EdgeClock,
  type EdgeClockOptions,
  edgeClock,
} from "../../clock/edge.js";
export { checkModuleShape, type ModuleShape, shapeOfBytes } from "../../load/shape.js";
export type { EdgeTelemetry } from "../../telemetry/request-batch.js";
export {
  CLOCK_COARSE_ATTRIBUTE,
  type ExportResultLike,
  type RequestBatchOptions,
  RequestBatchProcessor,
  type RequestBatchStats,
  type SpanExporterLike,
  type StartedSpanLike,
} from "../../telemetry/request-batch.js";
export { edgeTrustPolicy, type TrustConfig } from "../../trust/config.js";
export { type FetchLike, type TracingFetchOptions, tracingFetch } from "./fetch.js";
export {
  type BundlePin,
  type EdgeProbeAssets,
  type LoadedEdgeProbes,
  loadEdgeProbes,
  type VerifiedEdgeProbes,
  verifyEdgeProbes,
} from "./startup.js";
export {
  type EdgeApp,
  type EdgeRequest,
  type EdgeStatus,
  type ExecutionContextLike,
  PROBES_HEADER,
  type ProbedWorker,
  type ProbedWorkerOptions,
  probedWorker,
} from "./worker.js";
