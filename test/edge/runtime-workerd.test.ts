// The packed example worker under the real `workerd` (the npm package's binary):
// the signed bundle verified in the worker, the probes' spans exported over
// OTLP/HTTP to a receiver on 127.0.0.1, trace context in and out, and a
// tampered bundle refused while the worker keeps serving.
import { runEdgeSuite } from "../support/edge/suite.js";

runEdgeSuite("workerd");
