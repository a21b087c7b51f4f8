/* The runtime behind wasm-rt.h (see there). Traps print their kind on stderr and exit with
 * status 134, like an abort; memory faults inside a guard region are reported as out-of-bounds
 * traps, other faults (the native stack overflowing) as call stack exhaustion. */
#define _GNU_SOURCE
#include "wasm-rt.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUARDED_RESERVE (8ull << 30) /* 4 GiB addressable + 4 GiB for offsets */

static bool initialized = false;
static uint8_t* guard_lo = NULL; /* the single guarded reservation (benchmarks have one memory) */
static uint8_t* guard_hi = NULL;

static const char* const trap_names[] = {
    "none", "out of bounds memory access", "integer overflow", "integer divide by zero",
    "invalid conversion to integer", "unreachable", "indirect call type mismatch",
    "uncaught exception", "unaligned atomic", "call stack exhausted",
};

const char* wasm_rt_strerror(wasm_rt_trap_t trap) {
  return (unsigned)trap < sizeof trap_names / sizeof trap_names[0] ? trap_names[trap] : "unknown trap";
}

void wasm_rt_trap(wasm_rt_trap_t trap) {
  fprintf(stderr, "wasm trap: %s\n", wasm_rt_strerror(trap));
  fflush(stderr);
  _exit(134);
}

static void on_fault(int sig, siginfo_t* info, void* ctx) {
  (void)sig;
  (void)ctx;
  const uint8_t* a = (const uint8_t*)info->si_addr;
  const char* msg = (guard_lo && a >= guard_lo && a < guard_hi) ? "wasm trap: out of bounds memory access\n"
                                                                 : "wasm trap: call stack exhausted (or fault)\n";
  ssize_t ignored = write(2, msg, strlen(msg));
  (void)ignored;
  _exit(134);
}

void wasm_rt_init(void) {
  if (initialized) return;
  static char alt_stack[1 << 16];
  stack_t ss = {.ss_sp = alt_stack, .ss_size = sizeof alt_stack, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
  initialized = true;
}

bool wasm_rt_is_initialized(void) { return initialized; }
void wasm_rt_free(void) { initialized = false; }

static void out_of_memory(const char* what) {
  fprintf(stderr, "wasm runtime: cannot allocate %s\n", what);
  exit(1);
}

void wasm_rt_allocate_memory(wasm_rt_memory_t* mem, uint64_t initial_pages, uint64_t max_pages, bool is64, uint32_t page_size) {
  if (is64 || page_size != WASM_RT_PAGE_SIZE) {
    fprintf(stderr, "wasm runtime: only 32-bit memories with 64 KiB pages are supported\n");
    exit(1);
  }
  uint64_t bytes = initial_pages * WASM_RT_PAGE_SIZE;
#if WASM_RT_MEMCHECK_GUARD_PAGES
  void* base = mmap(NULL, GUARDED_RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) out_of_memory("the guarded memory reservation");
  if (bytes && mprotect(base, bytes, PROT_READ | PROT_WRITE) != 0) out_of_memory("initial memory");
  guard_lo = base;
  guard_hi = (uint8_t*)base + GUARDED_RESERVE;
#else
  /* Reserve the maximum up front so the data pointer never moves. */
  uint64_t reserve = (max_pages ? max_pages : 65536) * WASM_RT_PAGE_SIZE;
  void* base = mmap(NULL, reserve ? reserve : WASM_RT_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) out_of_memory("linear memory");
#endif
  mem->data = base;
  mem->pages = initial_pages;
  mem->max_pages = max_pages;
  mem->size = bytes;
  mem->is64 = false;
  mem->page_size = page_size;
}

uint64_t wasm_rt_grow_memory(wasm_rt_memory_t* mem, uint64_t delta) {
  uint64_t old = mem->pages;
  uint64_t pages = old + delta;
  if (pages < old || pages > mem->max_pages || pages > 65536) return (uint64_t)-1;
  uint64_t bytes = pages * WASM_RT_PAGE_SIZE;
#if WASM_RT_MEMCHECK_GUARD_PAGES
  if (delta && mprotect(mem->data + mem->size, bytes - mem->size, PROT_READ | PROT_WRITE) != 0) return (uint64_t)-1;
#endif
  mem->pages = pages;
  mem->size = bytes;
  return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t* mem) {
#if WASM_RT_MEMCHECK_GUARD_PAGES
  munmap(mem->data, GUARDED_RESERVE);
#else
  munmap(mem->data, (mem->max_pages ? mem->max_pages : 65536) * WASM_RT_PAGE_SIZE);
#endif
  mem->data = NULL;
}

#define DEFINE_TABLE(kind, null_value)                                                                   \
  void wasm_rt_allocate_##kind##_table(wasm_rt_##kind##_table_t* table, uint32_t elements, uint32_t max) { \
    table->size = elements;                                                                                \
    table->max_size = max;                                                                                 \
    table->data = calloc(elements ? elements : 1, sizeof(wasm_rt_##kind##_t));                            \
    if (!table->data) out_of_memory("a table");                                                           \
    for (uint32_t i = 0; i < elements; i++) table->data[i] = null_value;                                   \
  }                                                                                                        \
  void wasm_rt_free_##kind##_table(wasm_rt_##kind##_table_t* table) {                                      \
    free(table->data);                                                                                     \
    table->data = NULL;                                                                                    \
  }                                                                                                        \
  uint32_t wasm_rt_grow_##kind##_table(wasm_rt_##kind##_table_t* table, uint32_t delta,                    \
                                       wasm_rt_##kind##_t init) {                                          \
    uint32_t old = table->size;                                                                            \
    uint64_t size = (uint64_t)old + delta;                                                                 \
    if (size > table->max_size) return (uint32_t)-1;                                                       \
    wasm_rt_##kind##_t* data = realloc(table->data, (size ? size : 1) * sizeof(wasm_rt_##kind##_t));       \
    if (!data) return (uint32_t)-1;                                                                        \
    for (uint64_t i = old; i < size; i++) data[i] = init;                                                  \
    table->data = data;                                                                                    \
    table->size = (uint32_t)size;                                                                          \
    return old;                                                                                            \
  }

DEFINE_TABLE(funcref, wasm_rt_funcref_null_value)
DEFINE_TABLE(externref, wasm_rt_externref_null_value)
