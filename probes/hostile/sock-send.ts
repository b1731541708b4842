// Hostile: tries to send data through WASI preview 1 sockets. The verifier
// must refuse it with E_IMPORT_NOT_ALLOWED naming the import.
@external("wasi_snapshot_preview1", "sock_send")
declare function sock_send(fd: i32, data: usize, dataLen: usize, flags: i32, sent: usize): i32;

export function init(): void {}

export function request(): void {
  sock_send(3, 0, 0, 0, 0);
}

export function response(): void {}
