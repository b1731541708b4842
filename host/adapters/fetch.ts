/**
 * Fetch-handler adapter for workerd, Deno, Bun and Service Workers:
 * `(request, ...rest) => Response`. Web-standard only.
 */
import type { Context } from "@opentelemetry/api";
import { headerGetter } from "../otel/tracecontext/index.js";
import type { ProbeRuntime } from "../runtime/runtime.js";
import { type HttpProbeOptions, startHttpRequest } from "./http.js";

export type ProbedFetchHandler<Rest extends unknown[]> = (
  request: Request,
  context: Context,
  ...rest: Rest
) => Response | Promise<Response>;

export function withProbesFetch<Rest extends unknown[]>(
  runtime: ProbeRuntime,
  handler: ProbedFetchHandler<Rest>,
  options: HttpProbeOptions = {},
): (request: Request, ...rest: Rest) => Promise<Response> {
  return async (request, ...rest) => {
    const url = new URL(request.url);
    const probes = startHttpRequest(
      runtime,
      { method: request.method, path: url.pathname, header: headerGetter(request.headers) },
      options,
    );
    let response: Response;
    try {
      response = await handler(request, probes.context, ...rest);
    } catch (error) {
      probes.finish(500);
      throw error;
    }
    probes.finish(response.status);
    if (probes.responseHeaders.length === 0) return response;
    return withHeaders(response, probes.responseHeaders);
  };
}

/**
 * Add headers to a response. A response the app built has mutable headers:
 * set them in place (no copy). One passed through from fetch() has immutable
 * headers, and the first set throws a TypeError: copy it then.
 */
function withHeaders(response: Response, extra: ReadonlyArray<readonly [string, string]>): Response {
  try {
    for (const [name, value] of extra) response.headers.set(name, value);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const headers = new Headers(response.headers);
    for (const [name, value] of extra) headers.set(name, value);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}
