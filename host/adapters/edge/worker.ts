/**
 * A probed worker: wraps any `{ fetch(request, env, ctx) }` handler (workerd
 * module worker, Deno.serve, Bun, a Node bridge) so every request runs the
 * probes of a signed bundle, verified inside the worker on the first request,
 * and their spans are exported once per request through `ctx.waitUntil`.
 *
 * When verification fails the worker still serves every request, without
 * probes, logs why once, marks responses with a `sandprobe-probes` header and
 * reports the error code at the status path.
 */
import { type Context, type Tracer, trace } from "@opentelemetry/api";
import { type ClockFacts, type EdgeClock, edgeClock } from "../../clock/edge.js";
import { isSandprobeError } from "../../errors.js";
import { type ProbeInfo, ProbeRuntime } from "../../runtime/runtime.js";
import type { ProbeStatsSnapshot } from "../../runtime/stats.js";
import type { EdgeTelemetry } from "../../telemetry/request-batch.js";
import { pathOfRequestUrl, withProbesFetch } from "../fetch.js";
import type { HttpProbeOptions } from "../http.js";
import { type FetchLike, tracingFetch } from "./fetch.js";
import { type EdgeProbeAssets, loadEdgeProbes } from "./startup.js";

/** The part of a workerd `ExecutionContext` the worker uses. */
export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

/** What the application gets besides (request, env, ctx). */
export interface EdgeRequest {
  /** The request's OpenTelemetry context (its SERVER span): parent for the app's own spans. */
  readonly context: Context;
  /** `fetch` that sends `traceparent`/`tracestate` for a new CLIENT span per call. */
  readonly fetch: FetchLike;
}

export interface EdgeApp<Env> {
  fetch(
    request: Request,
    env: Env,
    ctx: ExecutionContextLike | undefined,
    edge: EdgeRequest,
  ): Response | Promise<Response>;
  /** The route template of a request ("/users/:id"): span names and the probes' `http.route`. */
  route?(method: string, path: string): string | undefined;
}

export interface EdgeStatus {
  readonly state: "starting" | "running" | "refused";
  /** Why probes were refused: a SandprobeError code. */
  readonly code?: string;
  readonly message?: string;
  readonly bundle?: { readonly name: string; readonly version: string; readonly digest: string };
  readonly probes: readonly ProbeInfo[];
  readonly stats: Readonly<Record<string, ProbeStatsSnapshot>>;
  readonly clock?: ClockFacts;
  readonly runtime?: string;
  readonly telemetry?: Readonly<Record<string, unknown>>;
  /** True only if the worker's runtime loads unsigned probes (it never does: workers verify their bundle). */
  readonly insecureAllowUnsigned: boolean;
}

export interface ProbedWorkerOptions<Env> extends EdgeProbeAssets {
  /** Made once, on the first request, with the environment and the clock's facts. */
  readonly telemetry?: (env: Env, clock: ClockFacts) => EdgeTelemetry | undefined;
  readonly http?: HttpProbeOptions;
  /** Path answered with the status as JSON, before the app sees it (default "/__sandprobe"; null: none). */
  readonly statusPath?: string | null;
  /** Where the worker says what happened at startup (default console.error). */
  readonly log?: (message: string) => void;
  /** A name for the runtime, for the status (e.g. from an env binding). */
  readonly runtimeName?: (env: Env) => string | undefined;
}

export interface ProbedWorker<Env> {
  fetch(request: Request, env?: Env, ctx?: ExecutionContextLike): Promise<Response>;
  /** The status as the status path reports it. */
  status(): EdgeStatus;
}

export const PROBES_HEADER = "sandprobe-probes";

/** One per request; its `fetch` is made when the app first reads it (most requests never do). */
class EdgeRequestOf implements EdgeRequest {
  readonly context: Context;
  readonly #tracer: Tracer;
  readonly #clock: EdgeClock;
  #fetch: FetchLike | undefined;

  constructor(context: Context, tracer: Tracer, clock: EdgeClock) {
    this.context = context;
    this.#tracer = tracer;
    this.#clock = clock;
  }

  /** A getter: `const { fetch } = edge` works, a spread copy (`{ ...edge }`) has no `fetch`. */
  get fetch(): FetchLike {
    // The adapter's context remembers the incoming flags: the random one goes out again.
    this.#fetch ??= tracingFetch({ context: this.context, tracer: this.#tracer, clock: this.#clock });
    return this.#fetch;
  }
}

interface Started {
  readonly runtime: ProbeRuntime;
  readonly clock: EdgeClock;
  readonly telemetry: EdgeTelemetry | undefined;
  readonly handle: (request: Request, env: unknown, ctx: ExecutionContextLike | undefined) => Promise<Response>;
  status: Omit<EdgeStatus, "probes" | "stats" | "telemetry" | "insecureAllowUnsigned">;
}

function describe(error: unknown): { code?: string; message: string } {
  if (isSandprobeError(error)) return { code: error.code, message: error.message };
  return { message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

export function probedWorker<Env>(app: EdgeApp<Env>, options: ProbedWorkerOptions<Env>): ProbedWorker<Env> {
  const log = options.log ?? ((message: string) => console.error(message));
  const statusPath = options.statusPath === undefined ? "/__sandprobe" : options.statusPath;
  let started: Promise<Started> | undefined;
  let current: Started | undefined;

  async function start(env: Env): Promise<Started> {
    // Made here, inside a request: at workerd's module scope time reads 0.
    const clock = edgeClock();
    let telemetry: EdgeTelemetry | undefined;
    try {
      telemetry = options.telemetry?.(env, clock.facts);
    } catch (error) {
      log(`sandprobe: telemetry could not start, spans are not exported: ${describe(error).message}`);
    }
    const runtime = new ProbeRuntime({
      clock,
      tracerProvider: telemetry?.tracerProvider ?? trace.getTracerProvider(),
      ...(options.limits ? { limits: options.limits } : {}),
    });
    const runtimeName = options.runtimeName?.(env);
    const base = { clock: clock.facts, ...(runtimeName ? { runtime: runtimeName } : {}) };
    let status: Started["status"];
    try {
      const loaded = await loadEdgeProbes(runtime, options);
      const { name, version, digest } = loaded.bundle;
      status = { state: "running", bundle: { name, version, digest }, ...base };
      const timing = clock.facts.coarse ? ", coarse: spans are marked" : "";
      log(
        `sandprobe: ${loaded.probes.length} probe(s) running from bundle "${name}" ${version}; clock resolution ${clock.facts.resolutionNs} ns${timing}`,
      );
    } catch (error) {
      const why = describe(error);
      status = { state: "refused", ...why, ...base };
      log(`sandprobe: probes refused, serving without them: ${why.code ? `${why.code}: ` : ""}${why.message}`);
    }
    const tracer = runtime.tracerProvider.getTracer("sandprobe");
    const refusedHeader = status.state === "refused" ? `refused ${status.code ?? "error"}` : undefined;
    const probed = withProbesFetch(
      runtime,
      (request: Request, context: Context, appEnv: Env, ctx: ExecutionContextLike | undefined) =>
        app.fetch(request, appEnv, ctx, new EdgeRequestOf(context, tracer, clock)),
      {
        traceResponse: true,
        ...(app.route ? { route: (method: string, path: string) => app.route?.(method, path) } : {}),
        ...options.http,
      },
    );
    const handle: Started["handle"] =
      refusedHeader === undefined
        ? (request, env, ctx) => probed(request, env as Env, ctx)
        : async (request, env, ctx) => {
            const response = await probed(request, env as Env, ctx);
            const headers = new Headers(response.headers);
            headers.set(PROBES_HEADER, refusedHeader);
            return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
          };
    return { runtime, clock, telemetry, handle, status };
  }

  function status(): EdgeStatus {
    if (!current) return { state: "starting", probes: [], stats: {}, insecureAllowUnsigned: false };
    const telemetry = current.telemetry?.stats?.();
    return {
      ...current.status,
      insecureAllowUnsigned: current.runtime.insecureAllowUnsigned,
      probes: current.runtime.probes(),
      stats: current.runtime.stats(),
      ...(telemetry ? { telemetry } : {}),
    };
  }

  return {
    status,
    async fetch(request, env, ctx) {
      // Once started, no await: a promise settled in another request's context
      // costs workerd a cross-context wake-up on every request.
      let worker = current;
      if (worker === undefined) {
        started ??= start(env as Env).then((s) => {
          current = s;
          return s;
        });
        worker = await started;
      }
      if (statusPath !== null && request.url.includes(statusPath) && pathOfRequestUrl(request.url) === statusPath) {
        return Response.json(status(), { headers: { "cache-control": "no-store" } });
      }
      try {
        return await worker.handle(request, env, ctx);
      } finally {
        // The request's spans have ended (or it failed): export them after the response.
        if (worker.telemetry) {
          const done = worker.telemetry.flush();
          if (ctx) ctx.waitUntil(done);
        }
      }
    },
  };
}
