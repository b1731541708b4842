// Hostile: calls memory.grow without end, long after the host's cap makes it
// fail. Each failing grow is a call into the engine that costs far more than
// an ordinary instruction: metering must charge it so, or one hook call
// burns tens of milliseconds before its fuel runs out.
export function init(): void {}

export function request(): void {
  while (true) memory.grow(1);
}

export function response(): void {}
