/**
 * One fuzz input through every stage that reads untrusted bytes: the wasm
 * parsers, signature and bundle verification, admission, the sandbox
 * rewrite (caps + metering) and compilation. Each stage must end in success
 * or a SandprobeError; anything else is a finding.
 */
import { SandprobeError } from "../../host/errors.js";
import { admitProbe } from "../../host/load/admit.js";
import { prepareProbe } from "../../host/load/prepare.js";
import { sandboxModule } from "../../host/load/sandbox.js";
import { verifyBundle } from "../../host/trust/bundle/verify.js";
import type { TrustPolicy } from "../../host/trust/policy.js";
import { SIGNATURE_SECTION } from "../../host/trust/signature/format.js";
import { verifyProbe } from "../../host/trust/verify-probe.js";
import { bytesEqual } from "../../host/wasm/bytes.js";
import { readComponentLayout } from "../../host/wasm/component-layout.js";
import { concatBytes } from "../../host/wasm/encode.js";
import { parseModule } from "../../host/wasm/module.js";
import { binaryKind, CUSTOM_SECTION_ID, readSections } from "../../host/wasm/sections.js";
import { DEFAULT_LIMITS, probeLimits } from "../../host/world/limits.js";

/** How one stage ended: "ok", or the SandprobeError code. */
export type StageResult = "ok" | `E_${string}`;

export interface InputOutcome {
  /** The verdict of the trust path (verifyProbe, or verifyBundle for a bundle seed). */
  readonly verdict: StageResult;
  /** Stages that threw something other than a SandprobeError, with what they threw. */
  readonly untyped: readonly string[];
  /** Broken invariants: an accepted input whose signed bytes changed, a valid module the sandbox made invalid. */
  readonly violations: readonly string[];
}

export interface PipelineContext {
  readonly policy: TrustPolicy;
  /** The unmutated seed the input came from. */
  readonly original: Uint8Array;
  /** The seed is a bundle (drive verifyBundle) rather than a probe. */
  readonly bundle: boolean;
  /** The trusted key signed the mutated bytes: their acceptance proves nothing against the original. */
  readonly resigned: boolean;
}

/** What a signature vouches for: the file without its signature section(s). */
function signedContent(bytes: Uint8Array): Uint8Array | undefined {
  try {
    const kept = readSections(bytes).filter((s) => !(s.id === CUSTOM_SECTION_ID && s.name === SIGNATURE_SECTION));
    return concatBytes([bytes.subarray(0, 8), ...kept.map((s) => bytes.subarray(s.start, s.end))]);
  } catch {
    return undefined;
  }
}

class Stages {
  readonly untyped: string[] = [];
  readonly violations: string[] = [];

  async run(stage: string, body: () => unknown): Promise<StageResult> {
    try {
      await body();
      return "ok";
    } catch (error) {
      if (error instanceof SandprobeError) return error.code;
      this.untyped.push(`${stage}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      return "E_UNTYPED";
    }
  }
}

export async function runInput(bytes: Uint8Array, context: PipelineContext): Promise<InputOutcome> {
  const stages = new Stages();
  // The parsers on their own, as tooling (inspect, pack) calls them.
  await stages.run("parse", () => {
    if (binaryKind(bytes) === "component") readComponentLayout(bytes);
    else parseModule(bytes);
  });

  // The trust path, as the runtime and loader take it.
  let verdict: StageResult;
  if (context.bundle) {
    verdict = await stages.run("verifyBundle", async () => {
      const bundle = await verifyBundle(bytes, context.policy);
      for (const probe of bundle.probes) await prepareProbe(admitProbe(probe), DEFAULT_LIMITS);
    });
  } else {
    let verified = false;
    verdict = await stages.run("verifyProbe", async () => {
      const probe = await verifyProbe(bytes, context.policy);
      verified = true;
      await prepareProbe(admitProbe(probe), DEFAULT_LIMITS);
    });
    if (verified && !context.resigned) {
      const before = signedContent(context.original);
      const after = signedContent(bytes);
      if (before === undefined || after === undefined || !bytesEqual(before, after)) {
        stages.violations.push("verifyProbe accepted bytes whose signed content changed");
      }
    }
  }

  // The rewrite on its own, over any input admission lets through (what
  // `insecureAllowUnsigned` and the pack tooling run): valid in, valid out.
  await stages.run("sandbox", () => {
    const admitted = admitProbe(bytes);
    const sandboxed = sandboxModule(admitted.module, probeLimits(DEFAULT_LIMITS, admitted.manifest.limits));
    const source = binaryKind(bytes) === "component" ? undefined : bytes;
    if (source !== undefined && WebAssembly.validate(source as BufferSource)) {
      if (!WebAssembly.validate(sandboxed.bytes as BufferSource)) {
        stages.violations.push("sandboxModule turned a valid module into an invalid one");
      }
    }
  });
  return { verdict, untyped: stages.untyped, violations: stages.violations };
}
