// Slow-request and error detector, in C: for requests slower than the
// threshold or answered with a 5xx, one span covering the request, with an
// ERROR status and an event saying why. Same spans as examples/slow-detector.
#include "sandprobe.h"

// Requests slower than this are reported (nanoseconds).
#define SLOW_NS 250000000ull

SP_EXPORT("init") void init(void) {}

SP_EXPORT("request") void request(void) {}

SP_HOOK(response) {
  uint16_t status = sp_http_status();
  uint64_t start = sp_http_received_at();
  uint64_t end = sp_clock_now();
  uint64_t duration = end - start;
  int slow = duration > SLOW_NS;
  int failed = status >= 500;
  if (!slow && !failed) return;

  sp_span span = sp_span_start_at(SP_STR("request.anomaly"), start, SP_INTERNAL, 0);
  sp_span_set_string(span, SP_STR("http.route"), sp_http_route());
  sp_span_set_int(span, SP_STR("http.response.status_code"), status);
  sp_span_set_float(span, SP_STR("http.server.request.duration"), (double)duration / 1e9);
  sp_span_set_bool(span, SP_STR("sandprobe.slow"), slow);
  if (slow) sp_span_add_event(span, SP_STR("slow_request"));
  if (failed) sp_span_add_event(span, SP_STR("server_error"));
  sp_span_set_status(span, SP_STATUS_ERROR, failed ? SP_STR("server error") : SP_STR("slow request"));
  sp_span_end_at(span, end);
}
