// Request latency, in C: one span per request from the moment the host
// received it to the response, named and attributed per the OpenTelemetry
// HTTP semantic conventions. Field for field the AssemblyScript
// examples/latency probe (test/languages/equivalence.test.ts checks it).
#include "sandprobe.h"

// The span name "METHOD /route", rebuilt only when method or route change.
static char name_buf[512];
static sp_str name = {name_buf, 0};
static char last_method[64];
static uint32_t last_method_len = 0xffffffff;
static char last_route[440];
static uint32_t last_route_len = 0xffffffff;

static int same(const char *kept, uint32_t kept_len, sp_str now) {
  return kept_len == now.len && sp_str_eq((sp_str){kept, kept_len}, now);
}

static void remember(char *kept, uint32_t *kept_len, uint32_t cap, sp_str now) {
  uint32_t n = now.len < cap ? now.len : cap;
  memcpy(kept, now.ptr, n);
  *kept_len = n;
}

SP_EXPORT("init") void init(void) {}

SP_EXPORT("request") void request(void) {}

SP_HOOK(response) {
  sp_str method = sp_http_method();
  sp_str route = sp_http_route();
  uint16_t status = sp_http_status();
  if (!same(last_method, last_method_len, method) || !same(last_route, last_route_len, route)) {
    remember(last_method, &last_method_len, sizeof last_method, method);
    remember(last_route, &last_route_len, sizeof last_route, route);
    uint32_t n = 0;
    memcpy(name_buf, last_method, last_method_len);
    n = last_method_len;
    if (last_route_len > 0) {
      name_buf[n++] = ' ';
      memcpy(name_buf + n, last_route, last_route_len);
      n += last_route_len;
    }
    name.len = n;
  }
  sp_span span = sp_span_start_at(name, sp_http_received_at(), SP_INTERNAL, 0);
  sp_span_set_string(span, SP_STR("http.request.method"), method);
  if (route.len > 0) sp_span_set_string(span, SP_STR("http.route"), route);
  sp_span_set_int(span, SP_STR("http.response.status_code"), status);
  if (status >= 500) sp_span_set_status(span, SP_STATUS_ERROR, SP_STR(""));
  sp_span_end(span);
}
