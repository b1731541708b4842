// Test and benchmark fixture: FNV-1a over a 1 KiB buffer, a CPU-bound loop
// with no calls (memory loads, xor, multiply).
const SIZE: i32 = 1024;
const BUF: usize = memory.data(1024);

export function init(): void {
  for (let i = 0; i < SIZE; i++) store<u8>(BUF + <usize>i, <u8>(i * 31 + 7));
}

export function request(): void {}

export function response(): void {}

/** FNV-1a of the first `len` bytes of the buffer, `rounds` times over (each round continues the hash). */
export function fnv(len: i32, rounds: i32): u32 {
  let h: u32 = 2166136261;
  if (len > SIZE) len = SIZE;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < len; i++) {
      h ^= load<u8>(BUF + <usize>i);
      h *= 16777619;
    }
  }
  return h;
}
