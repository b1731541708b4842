/**
 * Rollback protection that survives a restart: the version ledger kept in a
 * small key-value store (a file in Node, a Workers KV namespace, anything
 * with `get` and `put` of strings). Reads and lookups stay synchronous (the
 * ledger is loaded once, when the host starts); writes go to the store when
 * the loader flushes after a swap.
 *
 * The store keeps the highest version ever accepted per name: a flush merges
 * what is stored with what this host accepted, so hosts sharing one key form
 * a fleet-wide high-water mark and a lost write can never lower it.
 */
import { SandprobeError } from "../errors.js";
import { compareVersions } from "../world/manifest.js";
import type { VersionLedger, VersionSubject } from "./versions.js";

/** The storage a persisted ledger needs; a Workers `KVNamespace` already is one. */
export interface VersionStore {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
}

export interface PersistedLedgerOptions {
  /** The store key (default "sandprobe-versions"). */
  readonly key?: string;
}

const SCHEMA = 1;
const SEMVER = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;
const SUBJECTS: readonly VersionSubject[] = ["probe", "bundle"];
type Entries = Map<string, string>;

function corrupt(message: string, cause?: unknown): never {
  throw new SandprobeError("E_LEDGER", message, {}, cause === undefined ? {} : { cause });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parse a stored ledger strictly: an unreadable ledger is an error, never an empty one (that would reopen rollback). */
export function decodeLedger(text: string): Entries {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    corrupt(`the stored version ledger is not JSON: ${(error as Error).message}`, error);
  }
  if (!isRecord(value) || value.schema !== SCHEMA)
    corrupt(`the stored version ledger must be {"schema": ${SCHEMA}, ...}`);
  const entries: Entries = new Map();
  for (const subject of SUBJECTS) {
    const names = value[subject] ?? {};
    if (!isRecord(names)) corrupt(`the stored version ledger's "${subject}" must be an object of name -> version`);
    for (const [name, version] of Object.entries(names)) {
      if (typeof version !== "string" || !SEMVER.test(version)) {
        corrupt(`the stored version ledger lists ${subject} "${name}" at "${String(version)}", not MAJOR.MINOR.PATCH`);
      }
      entries.set(`${subject}:${name}`, version);
    }
  }
  return entries;
}

export function encodeLedger(entries: Entries): string {
  const out: Record<string, unknown> = { schema: SCHEMA };
  for (const subject of SUBJECTS) {
    const names: Record<string, string> = {};
    for (const [key, version] of [...entries].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (key.startsWith(`${subject}:`)) names[key.slice(subject.length + 1)] = version;
    }
    out[subject] = names;
  }
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** The higher of two versions per name. */
function merged(stored: Entries, local: Entries): Entries {
  const out = new Map(stored);
  for (const [key, version] of local) {
    const before = out.get(key);
    if (before === undefined || compareVersions(version, before) > 0) out.set(key, version);
  }
  return out;
}

export class PersistedVersionLedger implements VersionLedger {
  readonly #store: VersionStore;
  readonly #key: string;
  readonly #versions: Entries;
  #dirty = false;
  #writing: Promise<void> = Promise.resolve();

  private constructor(store: VersionStore, key: string, versions: Entries) {
    this.#store = store;
    this.#key = key;
    this.#versions = versions;
  }

  /** Load the ledger from the store (absent: a new host, nothing accepted yet). E_LEDGER when it cannot be read. */
  static async open(store: VersionStore, options: PersistedLedgerOptions = {}): Promise<PersistedVersionLedger> {
    const key = options.key ?? "sandprobe-versions";
    const text = await read(store, key);
    return new PersistedVersionLedger(store, key, text === null ? new Map() : decodeLedger(text));
  }

  get(subject: VersionSubject, name: string): string | undefined {
    return this.#versions.get(`${subject}:${name}`);
  }

  set(subject: VersionSubject, name: string, version: string): void {
    if (this.#versions.get(`${subject}:${name}`) === version) return;
    this.#versions.set(`${subject}:${name}`, version);
    this.#dirty = true;
  }

  /**
   * Write what changed since the last flush, merged with what is stored
   * (the higher version wins). Flushes run one after another. E_LEDGER when
   * the store refuses: the accepted versions stay in memory and the next
   * flush tries again.
   */
  flush(): Promise<void> {
    const run = this.#writing.then(async () => {
      if (!this.#dirty) return;
      this.#dirty = false;
      try {
        const text = await read(this.#store, this.#key);
        const stored = text === null ? new Map<string, string>() : decodeLedger(text);
        await this.#store.put(this.#key, encodeLedger(merged(stored, this.#versions)));
      } catch (error) {
        this.#dirty = true;
        if (error instanceof SandprobeError) throw error;
        corrupt(`the version ledger could not be written: ${(error as Error).message}`, error);
      }
    });
    this.#writing = run.catch(() => undefined);
    return run;
  }
}

async function read(store: VersionStore, key: string): Promise<string | null> {
  try {
    return await store.get(key);
  } catch (error) {
    corrupt(`the version ledger could not be read: ${(error as Error).message}`, error);
  }
}

/** A store in memory: for tests, and for a host that wants the interface without persistence. */
export function memoryVersionStore(initial: Record<string, string> = {}): VersionStore & {
  readonly values: Map<string, string>;
} {
  const values = new Map(Object.entries(initial));
  return {
    values,
    get: async (key) => values.get(key) ?? null,
    put: async (key, value) => {
      values.set(key, value);
    },
  };
}
