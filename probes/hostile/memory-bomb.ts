// Hostile probe: grows its memory without end. `request` asks for pages
// directly until memory.grow refuses (-1 at the host's cap); `response`
// allocates 1 MiB buffers and keeps them until the allocator gives up (trap).
const kept = new Array<ArrayBuffer>();

export function init(): void {}

export function request(): void {
  while (memory.grow(1) >= 0) {}
}

export function response(): void {
  while (true) kept.push(new ArrayBuffer(1 << 20));
}

/** Current memory size in pages. */
export function pages(): i32 {
  return memory.size();
}
