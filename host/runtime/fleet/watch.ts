/**
 * The watch loop behind `TrustedLoader.watch`: pull a bundle from the
 * source, verify and swap it through the loader (all or nothing, the last
 * good set keeps serving on any failure), persist the version ledger, report
 * the outcome; repeat until stopped. Nothing a source or a bundle does can
 * end the loop or throw into the application.
 */
import { type ErrorCode, SandprobeError } from "../../errors.js";
import { toHex } from "../../wasm/bytes.js";
import type { LoadedBundle } from "../loader.js";
import type { BundleSource } from "./source.js";

/** What happened to one delivery. */
export type BundleOutcome =
  | {
      readonly kind: "accepted";
      readonly bundle: LoadedBundle;
      /** Verification and swap, from bytes in hand to the new set live (ms). */
      readonly loadMs: number;
      /** False when the ledger could not be persisted (the set is live; the next flush retries). */
      readonly persisted: boolean;
    }
  | {
      /** Verification or loading failed: nothing changed. */
      readonly kind: "refused";
      readonly code: ErrorCode | "internal";
      readonly message: string;
      /** SHA-256 (hex) of the refused bytes. */
      readonly digest: string;
      readonly error: unknown;
    }
  | {
      /** The source could not deliver (E_SOURCE): nothing changed; it retries after a backoff. */
      readonly kind: "source-error";
      readonly code: ErrorCode | "internal";
      readonly message: string;
      readonly error: unknown;
    };

export interface WatchOptions {
  /** Called with every outcome; what it throws is ignored. */
  readonly onOutcome?: (outcome: BundleOutcome) => void;
}

export interface WatchStatus {
  readonly source: string;
  readonly running: boolean;
  /** The bundle this watch last made live (undefined until one is accepted). */
  readonly current: { readonly name: string; readonly version: string; readonly digest: string } | undefined;
  readonly accepted: number;
  readonly refused: number;
  readonly sourceErrors: number;
  /** Deliveries skipped because they were byte for byte the last one seen. */
  readonly unchanged: number;
  /** Refused bundles by code (E_SIGNATURE_INVALID, E_ROLLBACK, ...). */
  readonly refusedBy: Readonly<Partial<Record<ErrorCode | "internal", number>>>;
  /** Failed deliveries by reason (E_SOURCE's detail.reason: status, timeout, too-large, network, read). */
  readonly sourceErrorsBy: Readonly<Record<string, number>>;
  readonly last:
    | { readonly kind: BundleOutcome["kind"]; readonly code?: string; readonly version?: string }
    | undefined;
}

export interface BundleWatch {
  status(): WatchStatus;
  /** Stop polling; resolves once the loop has ended (a swap in progress completes first). */
  stop(): Promise<void>;
}

/** What the loop needs from a loader. */
export interface WatchTarget {
  loadBundle(bytes: Uint8Array): Promise<LoadedBundle>;
  persist(): Promise<boolean>;
}

async function digestOf(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)));
}

function codeOf(error: unknown): ErrorCode | "internal" {
  return error instanceof SandprobeError ? error.code : "internal";
}

function sourceReason(error: unknown): string {
  const reason = error instanceof SandprobeError ? error.detail.reason : undefined;
  return typeof reason === "string" ? reason : codeOf(error);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function watchBundles(target: WatchTarget, source: BundleSource, options: WatchOptions = {}): BundleWatch {
  const controller = new AbortController();
  const counts = { accepted: 0, refused: 0, sourceErrors: 0, unchanged: 0 };
  const refusedBy: Partial<Record<ErrorCode | "internal", number>> = {};
  const sourceErrorsBy: Record<string, number> = {};
  let current: WatchStatus["current"];
  let last: WatchStatus["last"];
  let lastDigest: string | undefined;
  let running = true;

  const report = (outcome: BundleOutcome) => {
    if (outcome.kind === "accepted") {
      counts.accepted++;
      const { name, version, digest } = outcome.bundle;
      current = { name, version, digest };
      last = { kind: outcome.kind, version };
    } else {
      if (outcome.kind === "refused") {
        counts.refused++;
        refusedBy[outcome.code] = (refusedBy[outcome.code] ?? 0) + 1;
      } else {
        counts.sourceErrors++;
        const reason = sourceReason(outcome.error);
        sourceErrorsBy[reason] = (sourceErrorsBy[reason] ?? 0) + 1;
      }
      last = { kind: outcome.kind, code: outcome.code };
    }
    try {
      options.onOutcome?.(outcome);
    } catch {
      // The operator's callback must not stop the fleet from updating.
    }
  };

  const once = async (): Promise<void> => {
    let bytes: Uint8Array;
    try {
      bytes = await source.next(controller.signal);
    } catch (error) {
      if (controller.signal.aborted) return;
      report({ kind: "source-error", code: codeOf(error), message: messageOf(error), error });
      return;
    }
    const digest = await digestOf(bytes);
    if (digest === lastDigest) {
      counts.unchanged++;
      return;
    }
    lastDigest = digest;
    const started = performance.now();
    try {
      const bundle = await target.loadBundle(bytes);
      const loadMs = performance.now() - started;
      report({ kind: "accepted", bundle, loadMs, persisted: await target.persist() });
    } catch (error) {
      report({ kind: "refused", code: codeOf(error), message: messageOf(error), digest, error });
    }
  };

  const loop = (async () => {
    while (!controller.signal.aborted) await once();
    running = false;
  })();

  return {
    status: () => ({
      source: source.description,
      running,
      current,
      ...counts,
      refusedBy: { ...refusedBy },
      sourceErrorsBy: { ...sourceErrorsBy },
      last,
    }),
    async stop() {
      controller.abort(new SandprobeError("E_SOURCE", "the watch was stopped", { reason: "stopped" }));
      await loop;
    },
  };
}
