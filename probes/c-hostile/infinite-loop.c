// Hostile, in C: `request` never returns. Metering stops it with
// E_FUEL_EXHAUSTED, exactly as the AssemblyScript infinite-loop probe.
#include "sandprobe.h"

static volatile uint64_t spins;

SP_EXPORT("init") void init(void) {}

SP_HOOK(request) {
  for (;;) spins++;
}
