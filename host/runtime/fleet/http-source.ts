/**
 * A bundle source that polls a URL with `fetch` (web-standard: Node,
 * workerd, Deno). Conditional requests (ETag / If-None-Match) make an
 * unchanged bundle cost a 304; errors back off exponentially with jitter;
 * every attempt has a timeout covering the whole answer; an answer over the
 * size cap is cut off while it streams, never buffered whole.
 */
import { SandprobeError } from "../../errors.js";
import { type BundleSource, backoffMs, sleep } from "./source.js";

export interface HttpBundleSourceOptions {
  /** Time between polls while all is well (default 30 s). */
  readonly pollMs?: number;
  /** Extra request headers (an authorization token, ...). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Largest bundle accepted, in bytes (default 16 MiB). */
  readonly maxBytes?: number;
  /** Limit on one attempt, headers and body together (default 10 s). */
  readonly timeoutMs?: number;
  /** Longest wait between retries after errors (default 5 min). */
  readonly maxBackoffMs?: number;
  /** The fetch to use (default the global one; a Workers service binding's `fetch` fits). */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Random numbers in [0, 1) for the jitter (default Math.random). */
  readonly random?: () => number;
}

export interface HttpSourceStatus {
  readonly url: string;
  /** The ETag of the last 200, sent as If-None-Match. */
  readonly etag: string | undefined;
  /** Failed attempts in a row (0 after a success). */
  readonly failures: number;
  /** The HTTP status of the last answer, if any. */
  readonly lastStatus: number | undefined;
  readonly requests: number;
  readonly notModified: number;
}

export interface HttpBundleSource extends BundleSource {
  status(): HttpSourceStatus;
}

const DEFAULTS = { pollMs: 30_000, maxBytes: 16 * 1024 * 1024, timeoutMs: 10_000, maxBackoffMs: 300_000 };

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new SandprobeError("E_POLICY", `"${name}" must be a positive number`);
  return value;
}

function sourceError(reason: string, message: string, detail: Record<string, unknown> = {}, cause?: unknown) {
  return new SandprobeError("E_SOURCE", message, { reason, ...detail }, cause === undefined ? {} : { cause });
}

/** Read a body, refusing it as soon as it passes `maxBytes`. */
async function readCapped(response: Response, maxBytes: number, url: string): Promise<Uint8Array> {
  const tooLarge = () =>
    sourceError("too-large", `${url} answered with more than ${maxBytes} bytes: refused`, { maxBytes });
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** Poll `url` for bundles. The first `next` fetches at once; later ones wait `pollMs`, or a backoff after errors. */
export function httpBundleSource(url: string, options: HttpBundleSourceOptions = {}): HttpBundleSource {
  const pollMs = positive("pollMs", options.pollMs ?? DEFAULTS.pollMs);
  const maxBytes = positive("maxBytes", options.maxBytes ?? DEFAULTS.maxBytes);
  const timeoutMs = positive("timeoutMs", options.timeoutMs ?? DEFAULTS.timeoutMs);
  const maxBackoffMs = positive("maxBackoffMs", options.maxBackoffMs ?? DEFAULTS.maxBackoffMs);
  const doFetch = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  const random = options.random ?? Math.random;
  const headers = { ...(options.headers ?? {}) };
  let etag: string | undefined;
  let failures = 0;
  let lastStatus: number | undefined;
  let requests = 0;
  let notModified = 0;
  let first = true;

  /** One conditional GET: the new bytes, or undefined for "not modified". */
  async function attempt(signal: AbortSignal): Promise<Uint8Array | undefined> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const onAbort = () => timeout.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      requests++;
      const init: RequestInit = {
        headers: etag === undefined ? headers : { ...headers, "if-none-match": etag },
        signal: timeout.signal,
        redirect: "follow",
      };
      const response = await doFetch(url, init);
      lastStatus = response.status;
      if (response.status === 304) {
        await response.body?.cancel();
        notModified++;
        return undefined;
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw sourceError("status", `${url} answered HTTP ${response.status}`, { status: response.status });
      }
      const bytes = await readCapped(response, maxBytes, url);
      etag = response.headers.get("etag") ?? undefined;
      return bytes;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof SandprobeError) throw error;
      if (timeout.signal.aborted) {
        throw sourceError("timeout", `${url} did not answer within ${timeoutMs} ms`, { timeoutMs }, error);
      }
      throw sourceError("network", `${url} could not be fetched: ${(error as Error).message}`, {}, error);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  }

  return {
    description: url,
    status: () => ({ url, etag, failures, lastStatus, requests, notModified }),
    async next(signal) {
      for (;;) {
        const wait = first ? 0 : failures > 0 ? backoffMs(failures, pollMs, maxBackoffMs, random) : pollMs;
        first = false;
        await sleep(wait, signal);
        let bytes: Uint8Array | undefined;
        try {
          bytes = await attempt(signal);
        } catch (error) {
          if (!signal.aborted) failures++;
          throw error;
        }
        failures = 0;
        if (bytes !== undefined) return bytes;
      }
    },
  };
}
