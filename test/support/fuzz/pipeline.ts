/**
 * One fuzz input through the whole load pipeline: the parsers (parseModule,
 * readComponentLayout), verifyProbe, admitProbe, sandboxModule,
 * prepareProbe, a ProbeRuntime with a trust policy (load and one request),
 * and verifyBundle. Each stage must end in success or a SandprobeError;
 * anything else is a finding. Acceptance of a mutated signed input is a
 * finding too unless every signed byte is unchanged.
 */
import { isSandprobeError, SandprobeError } from "../../../host/errors.js";
import { admitProbe } from "../../../host/load/admit.js";
import { prepareProbe } from "../../../host/load/prepare.js";
import { sandboxModule } from "../../../host/load/sandbox.js";
import { ProbeRuntime } from "../../../host/runtime/runtime.js";
import { verifyBundle } from "../../../host/trust/bundle/verify.js";
import type { TrustPolicy } from "../../../host/trust/policy.js";
import { verifyProbe } from "../../../host/trust/verify-probe.js";
import { readComponentLayout } from "../../../host/wasm/component-layout.js";
import { parseModule } from "../../../host/wasm/module.js";
import { binaryKind, readSections } from "../../../host/wasm/sections.js";
import { hostLimits } from "../../../host/world/limits.js";

export interface StageResult {
  readonly stage: string;
  /** "ok", a SandprobeError code, or "other" (a finding). */
  readonly outcome: string;
  readonly message?: string;
}

export interface InputResult {
  readonly stages: readonly StageResult[];
  /** Some stage of verification accepted the input. */
  readonly accepted: boolean;
  /** Accepted although a signed byte changed: a finding. */
  readonly acceptedTampered: boolean;
}

async function stage<T>(results: StageResult[], name: string, fn: () => T | Promise<T>): Promise<T | undefined> {
  try {
    const value = await fn();
    results.push({ stage: name, outcome: "ok" });
    return value;
  } catch (error) {
    if (isSandprobeError(error)) {
      results.push({ stage: name, outcome: error.code });
    } else {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      results.push({ stage: name, outcome: "other", message });
    }
    return undefined;
  }
}

/** The bytes a signature covers: everything after the first section when it is the signature. */
export function signedTail(bytes: Uint8Array): Uint8Array | undefined {
  try {
    const first = readSections(bytes)[0];
    return first?.name === "signature" ? bytes.subarray(first.end) : undefined;
  } catch {
    return undefined;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface PipelineOptions {
  readonly policy: TrustPolicy;
  /** The signed tail of the input this one was mutated from (undefined: the seed was unsigned). */
  readonly originalTail: Uint8Array | undefined;
  /** Also load the verified probe into a runtime and run one request (slower). */
  readonly load: boolean;
}

/** Run one input through every stage; never throws. */
export async function runPipeline(input: Uint8Array, options: PipelineOptions): Promise<InputResult> {
  const results: StageResult[] = [];
  const kind = await stage(results, "binaryKind", () => binaryKind(input));
  if (kind === "module") await stage(results, "parseModule", () => parseModule(input));
  if (kind === "component") await stage(results, "readComponentLayout", () => readComponentLayout(input));
  // The unverified path too: admitting and sandboxing must be safe on any bytes.
  const admittedRaw = await stage(results, "admitProbe(raw)", () => admitProbe(input));
  if (admittedRaw) {
    await stage(results, "sandboxModule(raw)", () =>
      sandboxModule(admittedRaw.module, hostLimits({ memoryPages: 16 })),
    );
  }
  let accepted = false;
  const verified = await stage(results, "verifyProbe", () => verifyProbe(input, options.policy));
  if (verified) {
    accepted = true;
    const admitted = await stage(results, "admitProbe", () => admitProbe(verified));
    if (admitted) await stage(results, "prepareProbe", () => prepareProbe(admitted, hostLimits()));
    if (options.load) {
      await stage(results, "runtime.load", async () => {
        const runtime = new ProbeRuntime({ trust: options.policy });
        await runtime.load(input);
        const scope = runtime.begin({ method: "GET", route: "/fuzz" });
        scope.request();
        scope.response(200);
        scope.end();
        // A probe failure is a value, never thrown: it must be a typed error.
        for (const failure of scope.failures) {
          if (!(failure.error instanceof SandprobeError)) throw new Error(`untyped hook failure: ${failure.error}`);
        }
      });
    }
  }
  const bundle = await stage(results, "verifyBundle", () => verifyBundle(input, options.policy));
  if (bundle) accepted = true;
  let acceptedTampered = false;
  if (accepted) {
    const tail = signedTail(input);
    acceptedTampered =
      options.originalTail === undefined || tail === undefined || !sameBytes(tail, options.originalTail);
  }
  return { stages: results, accepted, acceptedTampered };
}
