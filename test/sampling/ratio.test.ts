// TraceID-ratio sampling must give exactly OpenTelemetry's decision for the
// same trace id and ratio, or a trace kept by one service would be cut by
// the next. ProbeSampler layers critical-path rules and parent-based
// decisions on top; the OTEL_TRACES_SAMPLER settings map onto it.
import { type Context, ROOT_CONTEXT, SpanKind, TraceFlags, trace } from "@opentelemetry/api";
import { SamplingDecision, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { keepByRatio, ratioUpperBound, traceIdHash } from "../../host/otel/ratio.js";
import { SamplingPolicy } from "../../host/otel/sampling-policy.js";
import { settingsFromEnvironment } from "../../host/telemetry/env.js";
import { ProbeSampler } from "../../host/telemetry/sampler.js";
import { seededBytes } from "../support/probes.js";

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const RATIOS = [0, 1e-6, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.999, 1, -1, 2, Number.NaN];

function parent(traceFlags: number, isRemote: boolean): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags,
    isRemote,
  });
}

const sampled = (result: { decision: number }) => result.decision === SamplingDecision.RECORD_AND_SAMPLED;

test("the ratio decision equals TraceIdRatioBasedSampler's for 20,000 trace ids at 13 ratios", () => {
  const ids: string[] = [];
  for (let seed = 1; seed <= 20_000; seed++) ids.push(hex(seededBytes(seed, 16)));
  // Edges: the hash at, just under and just over a bound; the all-zero (invalid) id; upper-case hex.
  ids.push("00000000000000000000000000000000", "00000000000000000000000000000001", "ffffffffffffffffffffffffffffffff");
  ids.push("3fffffff000000000000000000000000", "40000000000000000000000000000000", "4BF92F3577B34DA6A3CE929D0E0E4736");
  let checked = 0;
  for (const ratio of RATIOS) {
    const reference = new TraceIdRatioBasedSampler(ratio);
    const ours = new ProbeSampler({ ratio, parentBased: false });
    const bound = ratioUpperBound(ratio);
    for (const id of ids) {
      const expected = sampled(reference.shouldSample(ROOT_CONTEXT, id));
      assert.is(keepByRatio(id, bound), expected, `ratio ${ratio} trace ${id}`);
      assert.is(sampled(ours.shouldSample(ROOT_CONTEXT, id, "x", SpanKind.INTERNAL, {}, [])), expected);
      checked++;
    }
  }
  assert.is(checked, RATIOS.length * 20_006);
});

test("the kept fraction is the ratio, give or take, and an invalid trace id is never kept", () => {
  let kept = 0;
  for (let seed = 1; seed <= 10_000; seed++) if (keepByRatio(hex(seededBytes(seed, 16)), ratioUpperBound(0.1))) kept++;
  assert.ok(kept > 900 && kept < 1100, `kept ${kept} of 10000 at 0.1`);
  assert.is(traceIdHash("00000000000000000000000000000000"), -1);
  assert.is(traceIdHash("xyz"), -1);
  assert.is(keepByRatio("00000000000000000000000000000000", ratioUpperBound(1)), false);
});

test("parent-based: a valid parent's sampled flag decides, remote or local; no parent falls to the ratio", () => {
  const sampler = new ProbeSampler({ ratio: 0 });
  const id = "4bf92f3577b34da6a3ce929d0e0e4736";
  const decide = (ctx: Context) => sampled(sampler.shouldSample(ctx, id, "x", SpanKind.INTERNAL, {}, []));
  assert.is(decide(parent(TraceFlags.SAMPLED, true)), true);
  assert.is(decide(parent(TraceFlags.SAMPLED, false)), true);
  assert.is(decide(parent(TraceFlags.NONE, true)), false);
  assert.is(decide(parent(TraceFlags.NONE, false)), false);
  assert.is(decide(ROOT_CONTEXT), false, "ratio 0");
  assert.is(new ProbeSampler({ ratio: 1 }).shouldSample(ROOT_CONTEXT, id, "x", 0, {}, []).decision, 2);
  const independent = new ProbeSampler({ ratio: 1, parentBased: false });
  assert.ok(sampled(independent.shouldSample(parent(TraceFlags.NONE, true), id, "x", 0, {}, [])));
});

test("critical path: a critical route or the priority attribute forces a keep over an unsampled parent", () => {
  const sampler = new ProbeSampler({ ratio: 0, criticalRoutes: ["/checkout", "/payment/*"] });
  const unsampled = parent(TraceFlags.NONE, true);
  const id = "4bf92f3577b34da6a3ce929d0e0e4736";
  const decide = (attributes: Record<string, unknown>) =>
    sampled(sampler.shouldSample(unsampled, id, "x", SpanKind.SERVER, attributes as never, []));
  assert.is(decide({ "http.route": "/checkout" }), true);
  assert.is(decide({ "http.route": "/payment/cards/:id" }), true);
  assert.is(decide({ "http.route": "/checkout/other" }), false, "exact routes match exactly");
  assert.is(decide({ "http.route": "/home" }), false);
  assert.is(decide({ "sampling.priority": 1 }), true);
  assert.is(decide({ "sampling.priority": true }), true);
  assert.is(decide({ "sampling.priority": 0 }), false);
  const policy = new SamplingPolicy({ criticalRoutes: ["/a/*"] });
  assert.ok(policy.isCriticalRoute("/a/b") && !policy.isCriticalRoute(undefined) && !policy.isCriticalRoute("/b"));
});

test("OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG map onto the policy; unknown values warn", () => {
  const cases: [Record<string, string>, unknown][] = [
    [{}, undefined],
    [{ OTEL_TRACES_SAMPLER: "always_on" }, { ratio: 1, parentBased: false }],
    [{ OTEL_TRACES_SAMPLER: "always_off" }, { ratio: 0, parentBased: false }],
    [
      { OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" },
      { ratio: 0.25, parentBased: false },
    ],
    [{ OTEL_TRACES_SAMPLER: "parentbased_always_on" }, { ratio: 1, parentBased: true }],
    [{ OTEL_TRACES_SAMPLER: "parentbased_always_off" }, { ratio: 0, parentBased: true }],
    [
      { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" },
      { ratio: 0.1, parentBased: true },
    ],
    [{ OTEL_TRACES_SAMPLER: "PARENTBASED_TRACEIDRATIO" }, { ratio: 1, parentBased: true }],
  ];
  for (const [env, expected] of cases) {
    const settings = settingsFromEnvironment(env);
    assert.equal(settings.sampling, expected, JSON.stringify(env));
    assert.equal(settings.warnings, []);
  }
  const bad = settingsFromEnvironment({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "1.5" });
  assert.equal(bad.sampling, { ratio: 1, parentBased: false });
  assert.is(bad.warnings.length, 1);
  const unknown = settingsFromEnvironment({ OTEL_TRACES_SAMPLER: "jaeger_remote" });
  assert.equal(unknown.sampling, { ratio: 1, parentBased: true });
  assert.match(unknown.warnings[0] ?? "", /jaeger_remote/);
});

test("OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and the OTLP variables", () => {
  const settings = settingsFromEnvironment({
    OTEL_SERVICE_NAME: "edge",
    OTEL_RESOURCE_ATTRIBUTES: "service.name=ignored,deployment.environment.name=prod,team=a%2Cb,broken",
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20x",
  });
  assert.is(settings.resource.serviceName, "edge");
  assert.equal(settings.resource.attributes, {
    "service.name": "ignored",
    "deployment.environment.name": "prod",
    team: "a,b",
  });
  assert.is(settings.exporter, "otlp");
  assert.is(settings.otlpEndpoint, "http://127.0.0.1:4318");
  assert.is(settings.otlpProtocol, "http/json");
  assert.equal(settings.otlpHeaders, { authorization: "Bearer x" });
  assert.is(settingsFromEnvironment({ OTEL_TRACES_EXPORTER: "none" }).exporter, "none");
  assert.is(settingsFromEnvironment({}).exporter, undefined);
});

test.run();
