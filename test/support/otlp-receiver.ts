/**
 * A real OTLP/HTTP receiver for tests: listens on 127.0.0.1 (random port),
 * accepts POST /v1/traces, /v1/logs and /v1/metrics as protobuf
 * (application/x-protobuf) or JSON (application/json), optionally gzip'd,
 * and decodes them with its own protobuf reader, independent of the
 * exporters' encoders. It can play "down" (503) for failure tests.
 *
 *   const receiver = await startOtlpReceiver();
 *   try { ...export to receiver.tracesUrl...; const spans = await receiver.waitForSpans(2); }
 *   finally { await receiver.close(); }
 */
import { Buffer } from "node:buffer";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync, inflateSync } from "node:zlib";
import { decodeJson } from "./otlp/decode-json.js";
import { decodeProtobuf } from "./otlp/decode-proto.js";
import type { LogRecord, Metric, OtlpPayload, OtlpSignal, Resource, Scope, Span } from "./otlp/model.js";
import { OtlpDecodeError } from "./otlp/protobuf.js";

export type * from "./otlp/model.js";
export { OtlpDecodeError } from "./otlp/protobuf.js";
export { decodeJson, decodeProtobuf };

/** A span with the resource and scope it was sent under. */
export interface ReceivedSpan extends Span {
  readonly resource: Resource;
  readonly scope: Scope;
}

export interface ReceivedLog extends LogRecord {
  readonly resource: Resource;
  readonly scope: Scope;
}

export interface ReceivedMetric extends Metric {
  readonly resource: Resource;
  readonly scope: Scope;
}

/** One HTTP request as the receiver saw and answered it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly signal: OtlpSignal | undefined;
  readonly encoding: "protobuf" | "json" | undefined;
  readonly contentEncoding: string;
  readonly bytes: number;
  readonly status: number;
  /** Why the request was refused (decode error, unsupported type, down). */
  readonly error?: string;
}

export interface OtlpReceiverOptions {
  /** Largest accepted body, compressed and decompressed. Default 16 MiB. */
  readonly maxBodyBytes?: number;
}

const PATHS: Readonly<Record<string, OtlpSignal>> = {
  "/v1/traces": "traces",
  "/v1/logs": "logs",
  "/v1/metrics": "metrics",
};

interface Waiter {
  readonly ready: () => boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class OtlpReceiver {
  readonly url: string;
  readonly #server: Server;
  readonly #maxBodyBytes: number;
  #payloads: OtlpPayload[] = [];
  #requests: ReceivedRequest[] = [];
  #waiters: Waiter[] = [];
  #down = false;
  #closed: Promise<void> | undefined;

  private constructor(server: Server, url: string, maxBodyBytes: number) {
    this.#server = server;
    this.url = url;
    this.#maxBodyBytes = maxBodyBytes;
  }

  /** Starts a receiver on 127.0.0.1 with a port the OS picks. */
  static async start(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const receiver = new OtlpReceiver(server, `http://127.0.0.1:${port}`, options.maxBodyBytes ?? 16 * 1024 * 1024);
    server.on("request", (request, response) => {
      receiver.#handle(request, response).catch(() => response.destroy());
    });
    return receiver;
  }

  get tracesUrl(): string {
    return `${this.url}/v1/traces`;
  }

  get logsUrl(): string {
    return `${this.url}/v1/logs`;
  }

  get metricsUrl(): string {
    return `${this.url}/v1/metrics`;
  }

  /** While down, every export request is answered 503 (retryable) and nothing is kept. */
  setDown(down: boolean): void {
    this.#down = down;
  }

  /** Every accepted payload, in arrival order. */
  payloads(): OtlpPayload[] {
    return [...this.#payloads];
  }

  /** Every request, accepted or not. */
  requests(): ReceivedRequest[] {
    return [...this.#requests];
  }

  spans(): ReceivedSpan[] {
    const out: ReceivedSpan[] = [];
    for (const payload of this.#payloads) {
      if (payload.signal !== "traces") continue;
      for (const rs of payload.resourceSpans) {
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans) out.push({ ...s, resource: rs.resource, scope: ss.scope });
      }
    }
    return out;
  }

  logs(): ReceivedLog[] {
    const out: ReceivedLog[] = [];
    for (const payload of this.#payloads) {
      if (payload.signal !== "logs") continue;
      for (const rl of payload.resourceLogs) {
        for (const sl of rl.scopeLogs) {
          for (const l of sl.logRecords) out.push({ ...l, resource: rl.resource, scope: sl.scope });
        }
      }
    }
    return out;
  }

  metrics(): ReceivedMetric[] {
    const out: ReceivedMetric[] = [];
    for (const payload of this.#payloads) {
      if (payload.signal !== "metrics") continue;
      for (const rm of payload.resourceMetrics) {
        for (const sm of rm.scopeMetrics)
          for (const m of sm.metrics) out.push({ ...m, resource: rm.resource, scope: sm.scope });
      }
    }
    return out;
  }

  /** Resolves once at least `count` spans arrived; rejects after `timeoutMs` (a guard, not an assertion). */
  async waitForSpans(count: number, timeoutMs = 10_000): Promise<ReceivedSpan[]> {
    await this.#waitFor(
      () => this.spans().length >= count,
      timeoutMs,
      () => `${this.spans().length}/${count} spans`,
    );
    return this.spans();
  }

  async waitForLogs(count: number, timeoutMs = 10_000): Promise<ReceivedLog[]> {
    await this.#waitFor(
      () => this.logs().length >= count,
      timeoutMs,
      () => `${this.logs().length}/${count} logs`,
    );
    return this.logs();
  }

  /** Resolves once a metric named `name` arrived (or any metric, without a name). */
  async waitForMetric(name?: string, timeoutMs = 10_000): Promise<ReceivedMetric[]> {
    const has = () => this.metrics().some((m) => name === undefined || m.name === name);
    await this.#waitFor(has, timeoutMs, () => `metric ${name ?? "(any)"}`);
    return this.metrics();
  }

  /** Resolves once `count` requests (accepted or refused) were answered. */
  async waitForRequests(count: number, timeoutMs = 10_000): Promise<ReceivedRequest[]> {
    await this.#waitFor(
      () => this.#requests.length >= count,
      timeoutMs,
      () => `${this.#requests.length}/${count} requests`,
    );
    return this.requests();
  }

  /** Forgets everything received so far. */
  clear(): void {
    this.#payloads = [];
    this.#requests = [];
  }

  /** Stops listening, drops open connections and fails pending waits. Safe to call more than once. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      for (const waiter of this.#waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error("OTLP receiver closed while waiting"));
      }
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closed;
  }

  #waitFor(ready: () => boolean, timeoutMs: number, progress: () => string): Promise<void> {
    if (ready()) return Promise.resolve();
    if (this.#closed) return Promise.reject(new Error("OTLP receiver is closed"));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        ready,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(new Error(`OTLP receiver: timed out after ${timeoutMs} ms waiting (${progress()})`));
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) {
      if (!waiter.ready()) continue;
      clearTimeout(waiter.timer);
      this.#waiters = this.#waiters.filter((w) => w !== waiter);
      waiter.resolve();
    }
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? "").split("?")[0] ?? "";
    const signal = PATHS[path];
    const mediaType = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    const encoding: ReceivedRequest["encoding"] =
      mediaType === "application/x-protobuf" ? "protobuf" : mediaType === "application/json" ? "json" : undefined;
    const contentEncoding = (request.headers["content-encoding"] ?? "identity").toLowerCase();
    const base = { method: request.method ?? "", path, signal, encoding, contentEncoding };
    let bytes = 0;
    const answer = (status: number, error?: string) => {
      this.#requests.push(error === undefined ? { ...base, bytes, status } : { ...base, bytes, status, error });
      reply(response, status, encoding, error);
      this.#wake();
    };
    try {
      if (signal === undefined) return answer(404, `no OTLP endpoint at ${path}`);
      if (request.method !== "POST") return answer(405, `${request.method} is not POST`);
      const body = await readBody(request, this.#maxBodyBytes);
      if (body === undefined) return answer(413, `body over ${this.#maxBodyBytes} bytes`);
      bytes = body.length;
      if (this.#down) return answer(503, "receiver is down");
      if (encoding === undefined) return answer(415, `unsupported content type ${JSON.stringify(mediaType)}`);
      const plain = decompress(body, contentEncoding, this.#maxBodyBytes);
      const payload =
        encoding === "protobuf" ? decodeProtobuf(signal, plain) : decodeJson(signal, new TextDecoder().decode(plain));
      this.#payloads.push(payload);
      return answer(200);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof OtlpDecodeError || error instanceof RangeError) return answer(400, message);
      return answer(400, `unreadable request: ${message}`);
    }
  }
}

/** Starts a receiver; see `OtlpReceiver`. */
export function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  return OtlpReceiver.start(options);
}

async function readBody(request: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) tooLarge = true;
    else chunks.push(chunk as Buffer);
  }
  return tooLarge ? undefined : new Uint8Array(Buffer.concat(chunks));
}

function decompress(body: Uint8Array, contentEncoding: string, limit: number): Uint8Array {
  switch (contentEncoding) {
    case "identity":
    case "":
      return body;
    case "gzip":
      return new Uint8Array(gunzipSync(body, { maxOutputLength: limit }));
    case "deflate":
      return new Uint8Array(inflateSync(body, { maxOutputLength: limit }));
    default:
      throw new OtlpDecodeError(`unsupported content encoding ${JSON.stringify(contentEncoding)}`);
  }
}

/**
 * 200: an empty Export*ServiceResponse (no partial success). Errors: a
 * google.rpc.Status with code 3 (INVALID_ARGUMENT) or 14 (UNAVAILABLE), in
 * the request's encoding.
 */
function reply(
  response: ServerResponse,
  status: number,
  encoding: "protobuf" | "json" | undefined,
  error?: string,
): void {
  const code = status === 503 ? 14 : 3;
  let body: Uint8Array;
  let type: string;
  if (encoding === "protobuf") {
    type = "application/x-protobuf";
    body = error === undefined ? new Uint8Array(0) : encodeStatus(code, error);
  } else {
    type = "application/json";
    body = new TextEncoder().encode(error === undefined ? "{}" : JSON.stringify({ code, message: error }));
  }
  response.writeHead(status, { "content-type": type, "content-length": body.length });
  response.end(body);
}

function encodeStatus(code: number, message: string): Uint8Array {
  const text = new TextEncoder().encode(message.slice(0, 1000));
  const length: number[] = [];
  let n = text.length;
  do {
    length.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return new Uint8Array([0x08, code, 0x12, ...length, ...text]);
}

/** Run `body` with `count` fresh receivers, closing them all afterwards. */
export async function withReceivers(count: number, body: (receivers: OtlpReceiver[]) => Promise<void>): Promise<void> {
  const receivers: OtlpReceiver[] = [];
  try {
    for (let i = 0; i < count; i++) receivers.push(await startOtlpReceiver());
    await body(receivers);
  } finally {
    await Promise.all(receivers.map((r) => r.close()));
  }
}
