// Hostile, in C: hands the host a string that runs past the end of its
// memory. The host checks every (ptr, len) and refuses with E_GUEST_MEMORY.
#include "sandprobe.h"

SP_EXPORT("init") void init(void) {}

SP_HOOK(request) {
  sp_str bad = {(const char *)0xfffffff0, 64};
  sp_span span = sp_span_start(bad, SP_INTERNAL, 0);
  sp_span_end(span);
}
