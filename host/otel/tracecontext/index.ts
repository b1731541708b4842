export {
  childTraceContext,
  extractTraceContext,
  type HeaderGetter,
  type HeaderSetter,
  type HeaderSource,
  type HeadersLike,
  type HeaderValue,
  headerGetter,
  type InjectableContext,
  type InjectOptions,
  injectTraceContext,
  newTraceContext,
  type RemoteTraceContext,
  readTraceContext,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  type TraceContext,
  type TraceContextReading,
} from "./headers.js";
export { isValidSpanId, isValidTraceId, randomSpanId, randomTraceId } from "./ids.js";
export {
  outgoingTraceFlags,
  SandprobeTraceContextPropagator,
  type TraceContextPropagatorOptions,
  withIncomingTraceContext,
} from "./propagator.js";
export {
  type ChildOptions,
  childTraceparent,
  formatTraceparent,
  KNOWN_TRACE_FLAGS,
  parseTraceparent,
  TRACE_FLAG_RANDOM,
  TRACE_FLAG_SAMPLED,
  type Traceparent,
  type TraceparentFields,
} from "./traceparent.js";
export {
  isValidTraceStateKey,
  isValidTraceStateValue,
  parseTraceStateHeader,
  TRACESTATE_MAX_MEMBERS,
  TRACESTATE_PROPAGATION_LIMIT,
  type TraceStateParse,
  type TraceStateRejection,
  W3CTraceState,
} from "./tracestate.js";
