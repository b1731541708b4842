/**
 * Verify-then-load: the glue between the trust layer and the runtime. Every
 * probe is verified (signature, signers, manifest, grants, rollback) before a
 * byte of it is compiled; a bundle replaces the runtime's whole probe set
 * atomically, all of its probes or none; a newer bundle hot-reloads while
 * requests flow, each request keeping the set it started with.
 */

import type { VerifiedBundle } from "../trust/bundle/verify.js";
import { verifyBundle } from "../trust/bundle/verify.js";
import type { TrustPolicy } from "../trust/policy.js";
import { recordAccepted } from "../trust/record.js";
import type { Signer } from "../trust/signers.js";
import { verifyProbe } from "../trust/verify-probe.js";
import type { BundleSource } from "./fleet/source.js";
import { type BundleWatch, type WatchOptions, watchBundles } from "./fleet/watch.js";
import type { ProbeInfo, ProbeRuntime } from "./runtime.js";

export interface TrustedLoaderOptions {
  readonly runtime: ProbeRuntime;
  readonly policy: TrustPolicy;
}

export interface LoadProbeOptions {
  /** A detached signature for the probe. */
  readonly signature?: Uint8Array;
  /** The module precompiled from exactly these bytes (runtimes that forbid compiling at run time). */
  readonly module?: WebAssembly.Module;
}

export interface LoadedBundle {
  readonly name: string;
  readonly version: string;
  /** SHA-256 (hex) of the bundle file. */
  readonly digest: string;
  readonly signers: readonly Signer[];
  readonly probes: readonly ProbeInfo[];
}

export class TrustedLoader {
  readonly runtime: ProbeRuntime;
  readonly policy: TrustPolicy;
  #bundle: LoadedBundle | undefined;
  /** Loads run one after another, so a version check and the swap it allows cannot interleave with another load. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: TrustedLoaderOptions) {
    this.runtime = options.runtime;
    this.policy = options.policy;
  }

  /** The bundle whose probes are loaded, if the last successful load was a bundle. */
  get bundle(): LoadedBundle | undefined {
    return this.#bundle;
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Verify one probe and load it, replacing a loaded probe of the same name.
   * Rejects (and changes nothing) on any verification or load error.
   */
  loadProbe(bytes: Uint8Array, options: LoadProbeOptions = {}): Promise<ProbeInfo> {
    return this.#serial(async () => {
      const verifyOptions = options.signature === undefined ? {} : { signature: options.signature };
      const verified = await verifyProbe(bytes, this.policy, verifyOptions);
      const info = await this.runtime.load(options.module ? { probe: verified, module: options.module } : verified);
      recordAccepted(this.policy, verified);
      this.#bundle = undefined;
      return info;
    });
  }

  /**
   * Verify a bundle and make its probes the runtime's whole probe set in one
   * swap. Calling it again with a newer bundle is a hot reload: the current
   * set keeps serving while the new one is verified, compiled and
   * initialised; requests that began before the swap finish on the old set.
   * On any error nothing changes and no version is recorded.
   */
  loadBundle(bytes: Uint8Array): Promise<LoadedBundle> {
    return this.#serial(async () => {
      const verified: VerifiedBundle = await verifyBundle(bytes, this.policy);
      const probes = await this.runtime.replaceAll(verified.probes);
      recordAccepted(this.policy, verified);
      const { name, version, digest, signers } = verified;
      this.#bundle = { name, version, digest, signers, probes };
      return this.#bundle;
    });
  }

  /**
   * Write the versions accepted so far to the policy's ledger store, when it
   * has one (a PersistedVersionLedger); `watch` does it after every swap,
   * callers of loadBundle/loadProbe call it themselves. False when the store
   * refused: the versions stay recorded in memory and the next persist tries again.
   */
  async persist(): Promise<boolean> {
    try {
      await this.policy.versions.flush?.();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Keep the probe set in step with a bundle source: each bundle it delivers
   * is verified against the policy and swapped in (loadBundle: all or
   * nothing), the ledger persisted, and the outcome reported; on any failure
   * the last good set keeps serving. Runs until `stop()`.
   */
  watch(source: BundleSource, options: WatchOptions = {}): BundleWatch {
    return watchBundles(this, source, options);
  }
}
