/**
 * Rollback protection keeps, per probe and per bundle name, the version last
 * accepted. The ledger is an interface so an operator can persist it (a KV
 * store, a file); the in-memory one is the default.
 */

export type VersionSubject = "probe" | "bundle";

export interface VersionLedger {
  /** The version last accepted for this name, if any. */
  get(subject: VersionSubject, name: string): string | undefined;
  /** Record the version now accepted (loaded) for this name. */
  set(subject: VersionSubject, name: string, version: string): void;
  /** Persist what `set` recorded (a persisted ledger: trust/persisted-versions.ts); the loader awaits it after each swap. */
  flush?(): Promise<void>;
}

export class MemoryVersionLedger implements VersionLedger {
  readonly #versions = new Map<string, string>();

  constructor(initial: Readonly<Partial<Record<VersionSubject, Readonly<Record<string, string>>>>> = {}) {
    for (const [subject, names] of Object.entries(initial)) {
      for (const [name, version] of Object.entries(names ?? {})) this.#versions.set(`${subject}:${name}`, version);
    }
  }

  get(subject: VersionSubject, name: string): string | undefined {
    return this.#versions.get(`${subject}:${name}`);
  }

  set(subject: VersionSubject, name: string, version: string): void {
    this.#versions.set(`${subject}:${name}`, version);
  }
}
