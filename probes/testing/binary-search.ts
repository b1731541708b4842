// Test and benchmark fixture: binary search over a sorted table, called from
// the host (`search`) or from a loop in wasm (`searchMany`).
const N: i32 = 4096;
const TABLE: usize = memory.data(4096 * 4);

export function init(): void {
  for (let i = 0; i < N; i++) store<i32>(TABLE + (<usize>i << 2), i * 3);
}

export function request(): void {}

export function response(): void {}

/** Index of `key` in the table (its values are 0, 3, 6, ...), or -1. */
export function search(key: i32): i32 {
  let lo = 0;
  let hi = N - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = load<i32>(TABLE + (<usize>mid << 2));
    if (value == key) return mid;
    if (value < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

let found: i32 = 0;

/** `search`, shaped like a hook: no result (the index is kept for `lastFound`). */
export function searchInto(key: i32): void {
  found = search(key);
}

/** The index `searchInto` found last. */
export function lastFound(): i32 {
  return found;
}

/** Sum of `search` over `count` keys, half of them present. */
export function searchMany(count: i32): i32 {
  let sum = 0;
  let key = 0;
  for (let i = 0; i < count; i++) {
    sum += search(key);
    key += 7;
    if (key >= N * 3) key -= N * 3;
  }
  return sum;
}
