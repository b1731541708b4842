/**
 * Node `http` adapter: wraps a request listener so every request runs the
 * loaded probes. Node-specific by design; the logic lives in the core
 * (adapters/http.ts), shared with the fetch adapter.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Context } from "@opentelemetry/api";
import { headerGetter } from "../otel/tracecontext/index.js";
import type { ProbeRuntime } from "../runtime/runtime.js";
import { type HttpProbeOptions, startHttpRequest } from "./http.js";

export type ProbedRequestListener = (req: IncomingMessage, res: ServerResponse, context: Context) => void;

export function withProbes(
  runtime: ProbeRuntime,
  listener: ProbedRequestListener,
  options: HttpProbeOptions = {},
): RequestListener {
  return (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const probes = startHttpRequest(
      runtime,
      {
        method: req.method ?? "GET",
        path: query < 0 ? url : url.slice(0, query),
        // rawHeaders keeps repeated lines apart, as trace context parsing needs.
        header: headerGetter(req.rawHeaders),
      },
      options,
    );
    for (const [name, value] of probes.responseHeaders) res.setHeader(name, value);
    const done = () => probes.finish(res.statusCode);
    res.once("finish", done);
    res.once("close", done);
    listener(req, res, probes.context);
  };
}
