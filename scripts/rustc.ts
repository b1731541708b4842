/**
 * Compile a Rust probe (no_std, probes/sdk-rust) to a wasm32 module with a
 * system `rustc` that has the wasm32-unknown-unknown standard library:
 * Debian's `rustc` + `libstd-rust-dev-wasm32` + `lld-14` (1.63 on bookworm),
 * which .ci/run installs. crates.io is not reachable here, so there is no
 * cargo step: the SDK is compiled as an rlib, then the probe as a cdylib
 * against it. Without such a rustc the Rust probes are skipped, loudly.
 */
import { execFile } from "node:child_process";
import { access, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const RUST_TARGET = "wasm32-unknown-unknown";
const SDK = "probes/sdk-rust/src/lib.rs";
const OUT = "build/rust";

/** Flags every Rust probe and the SDK are built with (docs/languages.md explains each). */
export const RUST_PROBE_FLAGS = [
  "--edition",
  "2021",
  "--target",
  RUST_TARGET,
  "-C",
  "opt-level=2",
  "-C",
  "panic=abort",
  "-C",
  "strip=debuginfo",
] as const;

/** Where to look, in order: $SANDPROBE_RUSTC, Debian's rustc, then whatever `rustc` is on PATH. */
const CANDIDATES = [process.env.SANDPROBE_RUSTC, "/usr/bin/rustc", "rustc"].filter(
  (c): c is string => typeof c === "string" && c.length > 0,
);

/** The first rustc that has the wasm32 standard library, or undefined. */
export async function findRustc(): Promise<string | undefined> {
  for (const rustc of CANDIDATES) {
    try {
      const { stdout } = await run(rustc, ["--print", "target-libdir", "--target", RUST_TARGET]);
      const libdir = stdout.trim();
      if ((await readdir(libdir)).some((f) => f.startsWith("libcore-") && f.endsWith(".rlib"))) return rustc;
    } catch {
      // not installed, or no wasm32 standard library: try the next one
    }
  }
  return undefined;
}

/** Build the SDK once per build: build/rust/libsandprobe.rlib. */
export async function buildRustSdk(rustc: string): Promise<string> {
  await mkdir(OUT, { recursive: true });
  const rlib = join(OUT, "libsandprobe.rlib");
  await rustcRun(rustc, [...RUST_PROBE_FLAGS, "--crate-type", "rlib", "--crate-name", "sandprobe", SDK, "-o", rlib]);
  return rlib;
}

/** Compile one probe against the SDK rlib; the module comes back as bytes. */
export async function compileRust(rustc: string, sdk: string, source: string, out: string): Promise<void> {
  await access(source);
  await rustcRun(rustc, [
    ...RUST_PROBE_FLAGS,
    "--crate-type",
    "cdylib",
    "-C",
    "link-arg=-zstack-size=65536",
    "--extern",
    `sandprobe=${sdk}`,
    source,
    "-o",
    out,
  ]);
}

async function rustcRun(rustc: string, args: readonly string[]): Promise<void> {
  try {
    await run(rustc, [...args]);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`rustc failed: ${rustc} ${args.join(" ")}\n${stderr}`);
  }
}
