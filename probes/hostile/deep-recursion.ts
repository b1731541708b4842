// Hostile probe: recursion a billion levels deep. With a small fuel budget it
// runs out of fuel; with a large one it overflows the engine's stack.
let calls: i32 = 0;

function down(n: i32): i32 {
  calls++;
  if (n == 0) return 0;
  return down(n - 1) + 1;
}

export function init(): void {}

export function request(): void {
  calls += down(1 << 30);
}

export function response(): void {}
