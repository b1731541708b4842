// Hostile: tries to accept a connection through WASI preview 1 sockets. The
// verifier must refuse it with E_IMPORT_NOT_ALLOWED naming the import.
@external("wasi_snapshot_preview1", "sock_accept")
declare function sock_accept(fd: i32, flags: i32, result: usize): i32;

export function init(): void {}

export function request(): void {
  sock_accept(3, 0, 0);
}

export function response(): void {}
