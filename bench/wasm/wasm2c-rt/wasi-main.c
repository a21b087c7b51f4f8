/* The host for one wasm2c-translated workload (module name "wl"): binds the WASI preview 1
 * imports the workloads use (fd_write, proc_exit, clock_time_get, args_sizes_get, args_get) to
 * Linux, runs _start, and reports the time spent inside the module on stderr as
 * "xenolith-run-ns <n>" (instantiation excluded), so bench/wasm/wasm2c.ts can time the run the
 * same way it times V8. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "wl.h"

struct w2c_wasi__snapshot__preview1 {
  wasm_rt_memory_t* memory;
};

static struct timespec started;
static int reported = 0;

static void report_time(void) {
  if (reported) return;
  reported = 1;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long long ns = (long long)(now.tv_sec - started.tv_sec) * 1000000000LL + (now.tv_nsec - started.tv_nsec);
  fprintf(stderr, "xenolith-run-ns %lld\n", ns);
  fflush(stderr);
}

static uint8_t* mem_at(struct w2c_wasi__snapshot__preview1* wasi, uint64_t addr, uint64_t len) {
  wasm_rt_memory_t* m = wasi->memory;
  if (!m || addr + len > m->size) wasm_rt_trap(WASM_RT_TRAP_OOB);
  return m->data + addr;
}

u32 w2c_wasi__snapshot__preview1_fd_write(struct w2c_wasi__snapshot__preview1* wasi, u32 fd, u32 iovs, u32 count, u32 nwritten) {
  if (fd != 1 && fd != 2) return 8; /* EBADF */
  u32 total = 0;
  for (u32 i = 0; i < count; i++) {
    u32 base, len;
    memcpy(&base, mem_at(wasi, (uint64_t)iovs + 8ull * i, 4), 4);
    memcpy(&len, mem_at(wasi, (uint64_t)iovs + 8ull * i + 4, 4), 4);
    const uint8_t* p = mem_at(wasi, base, len);
    while (len > 0) {
      ssize_t n = write((int)fd, p, len);
      if (n <= 0) return 29; /* EIO */
      p += n;
      len -= (u32)n;
      total += (u32)n;
    }
  }
  memcpy(mem_at(wasi, nwritten, 4), &total, 4);
  return 0;
}

void w2c_wasi__snapshot__preview1_proc_exit(struct w2c_wasi__snapshot__preview1* wasi, u32 code) {
  (void)wasi;
  report_time();
  exit((int)code);
}

u32 w2c_wasi__snapshot__preview1_clock_time_get(struct w2c_wasi__snapshot__preview1* wasi, u32 clock, u64 precision, u32 out) {
  (void)precision;
  struct timespec ts;
  if (clock_gettime(clock == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts) != 0) return 28; /* EINVAL */
  u64 ns = (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
  memcpy(mem_at(wasi, out, 8), &ns, 8);
  return 0;
}

u32 w2c_wasi__snapshot__preview1_args_sizes_get(struct w2c_wasi__snapshot__preview1* wasi, u32 argc_out, u32 size_out) {
  u32 zero = 0;
  memcpy(mem_at(wasi, argc_out, 4), &zero, 4);
  memcpy(mem_at(wasi, size_out, 4), &zero, 4);
  return 0;
}

u32 w2c_wasi__snapshot__preview1_args_get(struct w2c_wasi__snapshot__preview1* wasi, u32 argv, u32 buf) {
  (void)wasi;
  (void)argv;
  (void)buf;
  return 0;
}

int main(void) {
  static w2c_wl instance;
  static struct w2c_wasi__snapshot__preview1 wasi = {NULL};
  wasm_rt_init();
  wasm2c_wl_instantiate(&instance, &wasi);
  wasi.memory = w2c_wl_memory(&instance);
  clock_gettime(CLOCK_MONOTONIC, &started);
  w2c_wl_0x5Fstart(&instance);
  report_time();
  wasm2c_wl_free(&instance);
  wasm_rt_free();
  return 0;
}
