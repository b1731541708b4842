// Test fixture: recursive calls (non-tail), with a global side effect so the
// optimizer keeps every call.
let calls: i32 = 0;

export function init(): void {}

export function request(): void {}

export function response(): void {}

/** Recurse `n` levels deep; returns n. */
export function depth(n: i32): i32 {
  calls++;
  if (n <= 0) return 0;
  return depth(n - 1) + 1;
}

/** The n-th Fibonacci number, the exponential way. */
export function fib(n: i32): i32 {
  calls++;
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** How many calls `depth` and `fib` made so far. */
export function callCount(): i32 {
  return calls;
}
