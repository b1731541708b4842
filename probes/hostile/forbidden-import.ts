// Hostile: tries to open a file through WASI preview 1. The verifier must
// refuse it before instantiation with E_IMPORT_NOT_ALLOWED naming the import.
@external("wasi_snapshot_preview1", "path_open")
declare function path_open(fd: i32, dirflags: i32, path: usize, pathLen: usize, oflags: i32, rightsBase: i64, rightsInheriting: i64, fdflags: i32, opened: usize): i32;

export function init(): void {}

export function request(): void {
  path_open(3, 0, 0, 0, 0, 0, 0, 0, 0);
}

export function response(): void {}
