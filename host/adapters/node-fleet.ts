/**
 * The Node side of fleet updates: a bundle source that watches a file, and a
 * version store that keeps the rollback ledger in a file. Node-only by
 * design (node:fs); the web-standard pieces are in host/runtime/fleet/.
 */
import { type FSWatcher, watch as watchFs } from "node:fs";
import { mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { SandprobeError } from "../errors.js";
import type { BundleSource } from "../runtime/fleet/source.js";
import type { VersionStore } from "../trust/persisted-versions.js";

export interface FileBundleSourceOptions {
  /** How often the file is looked at even when no change event came (default 1 s). */
  readonly pollMs?: number;
}

function readError(path: string, error: unknown): SandprobeError {
  return new SandprobeError(
    "E_SOURCE",
    `${path} could not be read: ${(error as Error).message}`,
    { reason: "read" },
    { cause: error },
  );
}

/** What identifies one version of the file on disk (a rename or a rewrite changes it). */
async function fingerprint(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw readError(path, error);
  }
}

/**
 * A bundle source reading `path`: the first `next` delivers the file as soon
 * as it exists, later ones each time it changes. Publish by writing a new
 * file beside it and renaming it over `path` (atomic), so a half-written
 * bundle is never read; if one is, it is refused and the complete file is
 * delivered with its next change.
 */
export function fileBundleSource(path: string, options: FileBundleSourceOptions = {}): BundleSource {
  const pollMs = options.pollMs ?? 1000;
  if (!Number.isFinite(pollMs) || pollMs <= 0)
    throw new SandprobeError("E_POLICY", `"pollMs" must be a positive number`);
  let delivered: string | undefined;
  let watcher: FSWatcher | undefined;
  let wake: (() => void) | undefined;

  const startWatching = () => {
    if (watcher) return;
    try {
      // The directory, not the file: a rename over the file replaces the inode a file watch would follow.
      watcher = watchFs(dirname(path), { persistent: false }, (_event, name) => {
        if (name === null || name === basename(path) || String(name).startsWith(basename(path))) wake?.();
      });
      watcher.on("error", () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      watcher = undefined; // no change events here: polling alone still works
    }
  };

  const pause = (signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        wake = undefined;
        resolve();
      };
      const onAbort = () => {
        clearTimeout(timer);
        wake = undefined;
        watcher?.close();
        watcher = undefined;
        reject(signal.reason);
      };
      const timer = setTimeout(done, pollMs);
      wake = done;
      signal.addEventListener("abort", onAbort, { once: true });
    });

  return {
    description: path,
    async next(signal) {
      startWatching();
      for (;;) {
        if (signal.aborted) throw signal.reason;
        const now = await fingerprint(path);
        if (now !== undefined && now !== delivered) {
          let bytes: Uint8Array;
          try {
            bytes = new Uint8Array(await readFile(path));
          } catch (error) {
            throw readError(path, error);
          }
          // Fingerprint after the read too: a file that changed while it was read is read again.
          if ((await fingerprint(path)) === now) {
            delivered = now;
            return bytes;
          }
          continue;
        }
        await pause(signal);
      }
    },
  };
}

/**
 * A VersionStore in one file (the ledger's JSON, readable and restorable by
 * hand). Every key maps to that one file: give each ledger its own path.
 * Writes go to a temporary file that is synced and renamed over the old one,
 * so a crash leaves the old ledger or the new one, never half of either.
 */
export function fileVersionStore(path: string): VersionStore {
  return {
    async get() {
      try {
        return await readFile(path, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    async put(_key, value) {
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      const file = await open(temporary, "w");
      try {
        await file.writeFile(value, "utf8");
        await file.sync();
      } finally {
        await file.close();
      }
      try {
        await rename(temporary, path);
      } catch (error) {
        await unlink(temporary).catch(() => undefined);
        throw error;
      }
    },
  };
}
