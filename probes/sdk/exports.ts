// Core exports every probe needs besides its hooks; built as an extra entry
// file next to the probe (all entry files merge into one module).
// Importing the SDK keeps its `probeAbort` (the --use abort= target) in the
// program even when a probe does not import the SDK itself.
import { takeScratch } from "./index";

/**
 * Canonical ABI allocator: the host calls it to return strings to the guest
 * (UTF-16, so align 2). A small string goes to the SDK's scratch buffer,
 * which `takeString` reads at once (reusing a recent string with the same
 * text, or copying it into a new one); a larger one is allocated as a managed
 * String of exactly `newSize` bytes, used in place. The GC cannot run before
 * the SDK holds it: collection only happens inside guest allocations, and the
 * host makes none between this call and the import's return.
 */
export function cabi_realloc(oldPtr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (oldPtr == 0) {
    if (align == 2) {
      const scratch = takeScratch(newSize);
      return scratch != 0 ? scratch : __new(newSize, idof<String>());
    }
    return heap.alloc(newSize);
  }
  return heap.realloc(oldPtr, newSize);
}
