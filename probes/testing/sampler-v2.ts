// Version 2 of the "sampler" policy, for the reload test: keep every trace
// except health checks. Same probe name as probes/examples/sampler.ts, so
// loading it replaces version 1 in a running host.
import { http, trace } from "../sdk/index";

export function init(): void {}

export function request(): void {
  trace.sample(http.route() != "/health");
}

export function response(): void {}
