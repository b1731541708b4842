// Two things toolchains other than AssemblyScript rely on, in one probe:
// - a post-return function: the host calls `cabi_post_request` after every
//   `request` (component-model BuildTargets.md); the span of each request
//   says how many post-returns ran before it;
// - a WASI import at a newer, semver-compatible version (componentize-js
//   imports wasi:clocks/monotonic-clock@0.2.10): it must link to the world's
//   0.2.0 clock, so the span's start is the host's clock.
#include "sandprobe.h"

SP_IMPORT("wasi:clocks/monotonic-clock@0.2.10", "now") uint64_t clock_now_0_2_10(void);

static int64_t post_returns = 0;

SP_EXPORT("init") void init(void) {}

SP_HOOK(request) {
  sp_span s = sp_span_start_at(SP_STR("post-return"), clock_now_0_2_10(), SP_INTERNAL, 0);
  sp_span_set_int(s, SP_STR("post_returns.before"), post_returns);
  sp_span_end(s);
}

SP_EXPORT("cabi_post_request") void cabi_post_request(void) { post_returns++; }
