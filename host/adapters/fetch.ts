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
    const probes = startHttpRequest(
      runtime,
      { method: request.method, path: pathOfRequestUrl(request.url), header: headerGetter(request.headers) },
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
 * What the URL parser would change in a path, or where it would find the
 * path elsewhere: backslashes, dot segments (also percent-encoded), and the
 * characters it percent-encodes (controls, space, `"` `<` `>` `` ` `` `{`
 * `}`, anything beyond ASCII).
 */
const NEEDS_PARSER = /[\\\u0000-\u0020"<>`{}\u007f-\uffff]|\/\.|%2e/i;

/**
 * The path of a `Request.url`, as `new URL(url).pathname` gives it, without
 * a second parse (which allocates a URL object per request: 1.4-2.2 us in
 * workerd). Node serializes a request's URL, but workerd hands the worker
 * "http://" + Host + the raw request target, so the string search is used
 * only for http(s) URLs in which the parser would change nothing: no
 * character above, and an authority that ends at the path's first "/".
 * Everything else goes through the parser, and throws where it throws. The
 * authority itself is not validated: for a URL the parser rejects only for
 * its host or port, the answer is the text after the authority.
 */
export function pathOfRequestUrl(url: string): string {
  const authority = url.startsWith("https://") ? 8 : url.startsWith("http://") ? 7 : -1;
  if (authority < 0 || NEEDS_PARSER.test(url)) return new URL(url).pathname;
  const slash = url.indexOf("/", authority);
  const query = url.indexOf("?", authority);
  const fragment = url.indexOf("#", authority);
  // No path, or a "?" or "#" in the authority: the parser decides what the path is.
  if (slash < 0 || (query >= 0 && query < slash) || (fragment >= 0 && fragment < slash)) {
    return new URL(url).pathname;
  }
  let end = url.length;
  if (query >= 0) end = query;
  if (fragment >= 0 && fragment < end) end = fragment;
  return url.slice(slash, end);
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
