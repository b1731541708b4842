/**
 * The example worker the edge runtime tests and the bench pack: a plain
 * fetch handler, unaware of probes except for the optional fourth argument,
 * whose `fetch` carries the trace to an upstream.
 *
 *   /checkout            200 (a critical path: the sampler probe keeps it)
 *   /checkout/upstream   200 after fetching env.UPSTREAM_URL through edge.fetch
 *   /payment/declined    503 (slow-detector marks it)
 *   anything else        200
 */
import type { EdgeRequest } from "../../../host/adapters/edge/index.js";

interface Env {
  readonly UPSTREAM_URL?: string;
}

const ROUTES = new Set(["/checkout", "/checkout/upstream", "/payment/declined"]);

export default {
  route(_method: string, path: string): string | undefined {
    return ROUTES.has(path) ? path : undefined;
  },

  async fetch(request: Request, env: Env | undefined, _ctx: unknown, edge?: EdgeRequest): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === "/payment/declined") return new Response("declined\n", { status: 503 });
    if (pathname === "/checkout/upstream") {
      const upstream = env?.UPSTREAM_URL;
      if (!upstream) return new Response("no UPSTREAM_URL\n", { status: 500 });
      const response = await (edge?.fetch ?? fetch)(upstream);
      return new Response(`upstream said ${response.status}: ${await response.text()}\n`);
    }
    return new Response(`ok ${pathname}\n`);
  },
};
