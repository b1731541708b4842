/**
 * "sandprobe/components": probes as WebAssembly Components on the jco path
 * (docs/components.md). A component that `jco transpile` turned into
 * JavaScript runs with the lifted probe world (JcoProbe), or, for guests
 * written against wasi:otel, with our wasi:otel/tracing host. The fast path
 * (ProbeRuntime) runs probe components directly and is the one to use in
 * production; this path is for components it refuses.
 */

export { instantiateTranspiled, type TranspiledComponent } from "./host/lifted/instantiate.js";
export {
  type LiftedProbeContext,
  liftedProbeImports,
} from "./host/lifted/probe-host.js";
export * from "./host/wasi-otel/index.js";
export { JcoProbe, type JcoProbeOptions, type JcoRequest } from "./jco-probe.js";
