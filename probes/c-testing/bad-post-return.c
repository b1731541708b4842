// Hostile: a post-return function that takes a parameter. The host calls
// post-returns with none, so admission must refuse it before load.
#include "sandprobe.h"

SP_EXPORT("init") void init(void) {}

SP_HOOK(request) {}

SP_EXPORT("cabi_post_request") void cabi_post_request(int32_t result) { (void)result; }
