import { ROOT_CONTEXT } from "@opentelemetry/api";
import { LOG_LEVELS, type LogLevel, type ProbeContext } from "./context.js";

/** sandprobe:probe/log@0.1.0: capped log output and the abort report. */
export function logImports(ctx: ProbeContext) {
  const { memory, stats, telemetry, clock } = ctx;
  const emit = (level: LogLevel, message: string) => {
    const request = ctx.call?.request;
    ctx.log({ probe: ctx.name, level, message, traceId: request?.traceId, spanId: request?.spanId });
    // As an OpenTelemetry log record, correlated with the request's current span.
    if (telemetry.logs)
      telemetry.emitLog(level, message, request?.parent ?? ROOT_CONTEXT, clock.toEpoch(clock.nowNs()));
  };
  return {
    log: (level: number, ptr: number, len: number): void => {
      const call = ctx.call;
      const units = len >>> 0;
      if (call) {
        if (call.logUnits + units > ctx.limits.logUnitsPerInvocation) {
          stats.drop("log-quota");
          telemetry.dropLog("quota");
          return;
        }
        if (!ctx.rates.logUnits.take(units)) {
          stats.drop("log-rate");
          telemetry.dropLog("quota");
          return;
        }
        call.logUnits += units;
      }
      emit(LOG_LEVELS[level] ?? "info", memory.readString(ptr, Math.min(units, ctx.limits.logUnitsPerInvocation)));
    },
    abort: (msgPtr: number, msgLen: number, filePtr: number, fileLen: number, line: number, column: number): void => {
      const message = memory.readString(msgPtr, Math.min(msgLen >>> 0, 1024));
      const file = memory.readString(filePtr, Math.min(fileLen >>> 0, 256));
      ctx.abortMessage = `${message} (${file}:${line >>> 0}:${column >>> 0})`;
      emit("fatal", ctx.abortMessage);
    },
  };
}
