/*
 * sandprobe.h: the probe SDK for C. One header, freestanding (no libc): the
 * imports of the sandprobe probe world (wit/probe.wit) lowered by the
 * canonical ABI with string-encoding=utf8, and typed wrappers over them.
 *
 *   #include "sandprobe.h"   (with -I probes/sdk-c)
 *   SP_HOOK(response) { sp_span s = sp_span_start(SP_STR("work"), SP_INTERNAL, 0); sp_span_end(s); }
 *
 * Build: clang --target=wasm32 -O2 -nostdlib -ffreestanding -mbulk-memory -Iprobes/sdk-c
 *        -Wl,--no-entry probe.c   (npm run build:probes does this with
 *        @yowasp/clang), and set "stringEncoding": "utf8" in the manifest.
 *
 * Strings are (pointer, length in bytes) UTF-8, never NUL-terminated on the
 * wire. Strings the host returns (method, route, headers, tracestate) are
 * copied into this probe's arena by cabi_realloc; they stay valid until the
 * next sp_arena_reset(), which SP_HOOK calls at the start of every hook.
 */
#ifndef SANDPROBE_H
#define SANDPROBE_H

typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef int int32_t;
typedef unsigned long long uint64_t;
typedef long long int64_t;
typedef __SIZE_TYPE__ size_t;

/* A UTF-8 string: bytes and their count. */
typedef struct sp_str {
  const char *ptr;
  uint32_t len;
} sp_str;

/* A string literal as an sp_str (length without the NUL). */
#define SP_STR(literal) ((sp_str){(literal), (uint32_t)(sizeof(literal) - 1)})

#define SP_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define SP_EXPORT(name) __attribute__((export_name(name)))

/* ---- raw imports (the core ABI; see docs/abi.md) ---- */
SP_IMPORT("wasi:clocks/monotonic-clock@0.2.0", "now") uint64_t sp__clock_now(void);
SP_IMPORT("wasi:clocks/monotonic-clock@0.2.0", "resolution") uint64_t sp__clock_resolution(void);
SP_IMPORT("wasi:clocks/wall-clock@0.2.0", "now") void sp__wall_now(void *ret);

SP_IMPORT("sandprobe:probe/trace@0.1.0", "current-context") void sp__current_context(void *ret);
SP_IMPORT("sandprobe:probe/trace@0.1.0", "tracestate") void sp__tracestate(void *ret);
SP_IMPORT("sandprobe:probe/trace@0.1.0", "start-span")
uint32_t sp__start_span(const char *name, uint32_t name_len, int32_t kind, uint32_t parent);
SP_IMPORT("sandprobe:probe/trace@0.1.0", "start-span-at")
uint32_t sp__start_span_at(const char *name, uint32_t name_len, int32_t kind, uint32_t parent, uint64_t start);
SP_IMPORT("sandprobe:probe/trace@0.1.0", "set-attribute-string")
void sp__set_attribute_string(uint32_t span, const char *key, uint32_t key_len, const char *value, uint32_t value_len);
SP_IMPORT("sandprobe:probe/trace@0.1.0", "set-attribute-int")
void sp__set_attribute_int(uint32_t span, const char *key, uint32_t key_len, int64_t value);
SP_IMPORT("sandprobe:probe/trace@0.1.0", "set-attribute-float")
void sp__set_attribute_float(uint32_t span, const char *key, uint32_t key_len, double value);
SP_IMPORT("sandprobe:probe/trace@0.1.0", "set-attribute-bool")
void sp__set_attribute_bool(uint32_t span, const char *key, uint32_t key_len, int32_t value);
SP_IMPORT("sandprobe:probe/trace@0.1.0", "add-event") void sp__add_event(uint32_t span, const char *name, uint32_t name_len);
SP_IMPORT("sandprobe:probe/trace@0.1.0", "add-event-with-attribute")
void sp__add_event_with_attribute(uint32_t span, const char *name, uint32_t name_len, const char *key, uint32_t key_len,
                                  const char *value, uint32_t value_len);
SP_IMPORT("sandprobe:probe/trace@0.1.0", "add-link")
void sp__add_link(uint32_t span, uint64_t trace_id_hi, uint64_t trace_id_lo, uint64_t span_id, int32_t trace_flags);
SP_IMPORT("sandprobe:probe/trace@0.1.0", "set-status")
void sp__set_status(uint32_t span, int32_t code, const char *message, uint32_t message_len);
SP_IMPORT("sandprobe:probe/trace@0.1.0", "end-span") void sp__end_span(uint32_t span);
SP_IMPORT("sandprobe:probe/trace@0.1.0", "end-span-at") void sp__end_span_at(uint32_t span, uint64_t end);
SP_IMPORT("sandprobe:probe/trace@0.1.0", "sample") void sp__sample(int32_t decision);

SP_IMPORT("sandprobe:probe/http@0.1.0", "method") void sp__http_method(void *ret);
SP_IMPORT("sandprobe:probe/http@0.1.0", "route") void sp__http_route(void *ret);
SP_IMPORT("sandprobe:probe/http@0.1.0", "status") int32_t sp__http_status(void);
SP_IMPORT("sandprobe:probe/http@0.1.0", "received-at") uint64_t sp__http_received_at(void);
SP_IMPORT("sandprobe:probe/http@0.1.0", "header") void sp__http_header(const char *name, uint32_t name_len, void *ret);

SP_IMPORT("sandprobe:probe/metrics@0.1.0", "counter-add")
void sp__counter_add(const char *name, uint32_t name_len, double value, const char *key, uint32_t key_len,
                     const char *attr, uint32_t attr_len);
SP_IMPORT("sandprobe:probe/metrics@0.1.0", "histogram-record")
void sp__histogram_record(const char *name, uint32_t name_len, double value, const char *key, uint32_t key_len,
                          const char *attr, uint32_t attr_len);

SP_IMPORT("sandprobe:probe/log@0.1.0", "log") void sp__log(int32_t level, const char *message, uint32_t message_len);
SP_IMPORT("sandprobe:probe/log@0.1.0", "abort")
void sp__abort(const char *message, uint32_t message_len, const char *file, uint32_t file_len, uint32_t line,
               uint32_t column);

/* ---- memory: a bump arena for the strings the host returns ---- */
#ifndef SP_ARENA_BYTES
#define SP_ARENA_BYTES 16384
#endif
static uint8_t sp__arena[SP_ARENA_BYTES] __attribute__((aligned(8)));
static uint32_t sp__arena_used;

/* Forget every string the host returned so far (SP_HOOK does it per hook). */
static inline void sp_arena_reset(void) { sp__arena_used = 0; }

/* The canonical ABI allocator the host calls to return strings. Traps when the arena is full. */
SP_EXPORT("cabi_realloc") void *cabi_realloc(void *old_ptr, size_t old_size, size_t align, size_t new_size) {
  (void)old_ptr;
  (void)old_size;
  uint32_t at = (sp__arena_used + (uint32_t)align - 1) & ~((uint32_t)align - 1);
  if (at + new_size > SP_ARENA_BYTES) __builtin_trap();
  sp__arena_used = at + (uint32_t)new_size;
  return &sp__arena[at];
}

/* clang may call these for struct copies; -mbulk-memory makes them memory.copy / memory.fill. */
void *memcpy(void *dst, const void *src, size_t n) { return __builtin_memcpy(dst, src, n); }
void *memset(void *dst, int c, size_t n) { return __builtin_memset(dst, c, n); }

/* A hook: `SP_HOOK(response) { ... }` exports `response` as () -> (), with a fresh arena. */
#define SP_HOOK(name)                                 \
  static void sp__hook_##name(void);                  \
  SP_EXPORT(#name) void name(void) {                  \
    sp_arena_reset();                                 \
    sp__hook_##name();                                \
  }                                                   \
  static void sp__hook_##name(void)

/* ---- clock ---- */
static inline uint64_t sp_clock_now(void) { return sp__clock_now(); }
static inline uint64_t sp_clock_resolution(void) { return sp__clock_resolution(); }
/* Wall-clock time in nanoseconds since the Unix epoch. */
static inline uint64_t sp_clock_wall_nanos(void) {
  struct { uint64_t seconds; uint32_t nanoseconds; } __attribute__((aligned(8))) ret;
  sp__wall_now(&ret);
  return ret.seconds * 1000000000ull + ret.nanoseconds;
}

/* ---- trace context ---- */
typedef enum { SP_INTERNAL = 0, SP_SERVER = 1, SP_CLIENT = 2, SP_PRODUCER = 3, SP_CONSUMER = 4 } sp_span_kind;
typedef enum { SP_STATUS_UNSET = 0, SP_STATUS_OK = 1, SP_STATUS_ERROR = 2 } sp_status_code;

typedef struct sp_span_context {
  uint64_t trace_id_hi;
  uint64_t trace_id_lo;
  uint64_t span_id;
  uint8_t trace_flags;
} sp_span_context;

static inline sp_span_context sp_current_context(void) {
  sp_span_context ctx;
  sp__current_context(&ctx);
  return ctx;
}
static inline int sp_context_valid(sp_span_context ctx) {
  return (ctx.trace_id_hi | ctx.trace_id_lo) != 0 && ctx.span_id != 0;
}
static inline int sp_context_sampled(sp_span_context ctx) { return (ctx.trace_flags & 1) != 0; }

/* The request's tracestate header (valid until the next hook). */
static inline sp_str sp_tracestate(void) {
  sp_str ret;
  sp__tracestate(&ret);
  return ret;
}
/* Keep (1) or drop (0) the current request's trace. */
static inline void sp_sample(int keep) { sp__sample(keep ? 1 : 0); }

/* ---- spans: a span is the host's handle (0: the host refused to start it) ---- */
typedef uint32_t sp_span;

static inline sp_span sp_span_start(sp_str name, sp_span_kind kind, sp_span parent) {
  return sp__start_span(name.ptr, name.len, kind, parent);
}
static inline sp_span sp_span_start_at(sp_str name, uint64_t start, sp_span_kind kind, sp_span parent) {
  return sp__start_span_at(name.ptr, name.len, kind, parent, start);
}
static inline void sp_span_set_string(sp_span s, sp_str key, sp_str value) {
  sp__set_attribute_string(s, key.ptr, key.len, value.ptr, value.len);
}
static inline void sp_span_set_int(sp_span s, sp_str key, int64_t value) { sp__set_attribute_int(s, key.ptr, key.len, value); }
static inline void sp_span_set_float(sp_span s, sp_str key, double value) {
  sp__set_attribute_float(s, key.ptr, key.len, value);
}
static inline void sp_span_set_bool(sp_span s, sp_str key, int value) {
  sp__set_attribute_bool(s, key.ptr, key.len, value ? 1 : 0);
}
static inline void sp_span_add_event(sp_span s, sp_str name) { sp__add_event(s, name.ptr, name.len); }
static inline void sp_span_add_event_with(sp_span s, sp_str name, sp_str key, sp_str value) {
  sp__add_event_with_attribute(s, name.ptr, name.len, key.ptr, key.len, value.ptr, value.len);
}
/* Link to another span context (the host ignores an invalid one). */
static inline void sp_span_add_link(sp_span s, sp_span_context to) {
  sp__add_link(s, to.trace_id_hi, to.trace_id_lo, to.span_id, to.trace_flags);
}
static inline void sp_span_set_status(sp_span s, sp_status_code code, sp_str message) {
  sp__set_status(s, code, message.ptr, message.len);
}
static inline void sp_span_end(sp_span s) { sp__end_span(s); }
static inline void sp_span_end_at(sp_span s, uint64_t end) { sp__end_span_at(s, end); }

/* ---- the current HTTP request (each needs a manifest capability) ---- */
static inline sp_str sp_http_method(void) {
  sp_str ret;
  sp__http_method(&ret);
  return ret;
}
static inline sp_str sp_http_route(void) {
  sp_str ret;
  sp__http_route(&ret);
  return ret;
}
static inline uint16_t sp_http_status(void) { return (uint16_t)sp__http_status(); }
static inline uint64_t sp_http_received_at(void) { return sp__http_received_at(); }
/* A request header: 1 and *value when present, 0 when absent. */
static inline int sp_http_header(sp_str name, sp_str *value) {
  struct { uint8_t present; sp_str value; } ret;
  sp__http_header(name.ptr, name.len, &ret);
  if (!ret.present) return 0;
  *value = ret.value;
  return 1;
}

/* ---- metrics: one optional attribute per call (pass SP_STR("") for none) ---- */
static inline void sp_counter_add(sp_str name, double value, sp_str key, sp_str attr) {
  sp__counter_add(name.ptr, name.len, value, key.ptr, key.len, attr.ptr, attr.len);
}
static inline void sp_histogram_record(sp_str name, double value, sp_str key, sp_str attr) {
  sp__histogram_record(name.ptr, name.len, value, key.ptr, key.len, attr.ptr, attr.len);
}

/* ---- capped log output ---- */
static inline void sp_log_debug(sp_str m) { sp__log(1, m.ptr, m.len); }
static inline void sp_log_info(sp_str m) { sp__log(2, m.ptr, m.len); }
static inline void sp_log_warn(sp_str m) { sp__log(3, m.ptr, m.len); }
static inline void sp_log_error(sp_str m) { sp__log(4, m.ptr, m.len); }

/* Tell the host why, then trap. */
__attribute__((noreturn)) static inline void sp_abort(sp_str message) {
  sp__abort(message.ptr, message.len, "", 0, 0, 0);
  __builtin_trap();
}

/* ---- small helpers a probe needs without libc ---- */
static inline int sp_str_eq(sp_str a, sp_str b) {
  if (a.len != b.len) return 0;
  for (uint32_t i = 0; i < a.len; i++)
    if (a.ptr[i] != b.ptr[i]) return 0;
  return 1;
}

#endif /* SANDPROBE_H */
