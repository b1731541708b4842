// Hostile, in C: grows memory page by page until memory.grow refuses at the
// manifest's cap, then writes to every page it got, then traps on purpose by
// writing past the end: the cap holds and the trap is contained.
#include "sandprobe.h"

SP_EXPORT("init") void init(void) {}

SP_HOOK(request) {
  while (__builtin_wasm_memory_grow(0, 1) != (size_t)-1) {
  }
  size_t pages = __builtin_wasm_memory_size(0);
  volatile uint8_t *memory = (volatile uint8_t *)0;
  for (size_t page = 1; page < pages; page++) memory[page * 65536 - 1] = 1;
  memory[pages * 65536 + 8] = 1;  // out of bounds: a trap, not a write
}

/* Pages of memory now (for the test). */
SP_EXPORT("pages") uint32_t pages(void) { return (uint32_t)__builtin_wasm_memory_size(0); }
