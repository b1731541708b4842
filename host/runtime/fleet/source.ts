/**
 * Where a host gets its bundles from. A source is pulled: the watcher asks
 * for the next bundle only after it has verified and swapped (or refused)
 * the last one, so deliveries never overlap and a slow verification cannot
 * queue up stale bundles. The source owns its timing: how often it polls,
 * how it backs off after errors.
 */

export interface BundleSource {
  /** What the source reads from, for outcomes and status pages (a URL, a path). */
  readonly description: string;
  /**
   * Resolve with the next bundle bytes (the first call: the current bundle,
   * as soon as there is one). Reject with an E_SOURCE SandprobeError when one
   * attempt failed (the next call retries, after a backoff), or with the
   * signal's reason once it aborts.
   */
  next(signal: AbortSignal): Promise<Uint8Array>;
}

/** Resolve after `ms`, or reject with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The delay before retry number `failures` (1, 2, ...): exponential from
 * `baseMs`, capped, with "equal jitter" (half fixed, half random) so a fleet
 * that failed together does not retry together.
 */
export function backoffMs(failures: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}
