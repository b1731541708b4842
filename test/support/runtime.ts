import { ProbeRuntime, type RuntimeOptions } from "../../host/runtime/runtime.js";

/**
 * A runtime for tests about what probes do once loaded (spans, limits,
 * traps), which load unsigned fixtures built from source: the explicit
 * development opt-in, its warning kept out of the test output. Tests of
 * the secure default (test/runtime/trust-default.test.ts) and of signed
 * loading use `new ProbeRuntime` with a trust policy instead.
 */
export function unsignedRuntime(options: RuntimeOptions = {}): ProbeRuntime {
  return new ProbeRuntime({ insecureAllowUnsigned: true, onWarning: () => {}, ...options });
}
