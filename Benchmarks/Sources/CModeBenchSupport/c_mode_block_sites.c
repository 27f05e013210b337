// 128 distinct blocking functions for the stall benchmark (see c_mode_bench.h).
#define _GNU_SOURCE
#include "c_mode_bench.h"

#include <errno.h>
#include <time.h>

static volatile int c_mode_bench_last_site;

uint64_t c_mode_bench_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

uint64_t c_mode_bench_realtime_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

// Inlined into every site, so the call into libc (the innermost application frame) is at a different address
// in each; the distinct store keeps identical-code folding from merging them.
#define SITE(n)                                                                                                      \
    __attribute__((noinline)) static void c_mode_bench_site_##n(uint64_t until_ns) {                             \
        c_mode_bench_last_site = 0x##n;                                                                              \
        struct timespec deadline = {.tv_sec = (time_t)(until_ns / 1000000000ull),                                    \
                                    .tv_nsec = (long)(until_ns % 1000000000ull)};                                    \
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL) == EINTR) {                          \
        }                                                                                                            \
        __asm__ volatile("" ::: "memory");                                                                           \
    }
#define SITES16(h)                                                                                                   \
    SITE(h##0) SITE(h##1) SITE(h##2) SITE(h##3) SITE(h##4) SITE(h##5) SITE(h##6) SITE(h##7) SITE(h##8) SITE(h##9) \
    SITE(h##a) SITE(h##b) SITE(h##c) SITE(h##d) SITE(h##e) SITE(h##f)
#define ENTRIES16(h)                                                                                                 \
    c_mode_bench_site_##h##0, c_mode_bench_site_##h##1, c_mode_bench_site_##h##2, c_mode_bench_site_##h##3,         \
    c_mode_bench_site_##h##4, c_mode_bench_site_##h##5, c_mode_bench_site_##h##6, c_mode_bench_site_##h##7,         \
    c_mode_bench_site_##h##8, c_mode_bench_site_##h##9, c_mode_bench_site_##h##a, c_mode_bench_site_##h##b,         \
    c_mode_bench_site_##h##c, c_mode_bench_site_##h##d, c_mode_bench_site_##h##e, c_mode_bench_site_##h##f,

SITES16(0) SITES16(1) SITES16(2) SITES16(3) SITES16(4) SITES16(5) SITES16(6) SITES16(7)

static void (*const c_mode_bench_sites[C_MODE_BENCH_BLOCK_SITES])(uint64_t) = {
    ENTRIES16(0) ENTRIES16(1) ENTRIES16(2) ENTRIES16(3) ENTRIES16(4) ENTRIES16(5) ENTRIES16(6) ENTRIES16(7)
};

void c_mode_bench_block_at_site(int site, uint64_t until_ns) {
    int index = site % C_MODE_BENCH_BLOCK_SITES;
    if (index < 0) index += C_MODE_BENCH_BLOCK_SITES;
    c_mode_bench_sites[index](until_ns);
}
