// Core exports every probe needs besides its hooks; built as an extra entry
// file next to the probe (all entry files merge into one module).
// Importing the SDK keeps its `probeAbort` (the --use abort= target) in the
// program even when a probe does not import the SDK itself.
import "./index";

/** Canonical ABI allocator: the host calls it to return strings to the guest. */
export function cabi_realloc(oldPtr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (oldPtr == 0) return heap.alloc(newSize);
  return heap.realloc(oldPtr, newSize);
}
