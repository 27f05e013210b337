#ifndef C_MODE_BENCH_H
#define C_MODE_BENCH_H

#include <stddef.h>
#include <stdint.h>

/// Bytes handed out by malloc right now (glibc mallinfo2: arena + mmapped blocks); 0 elsewhere.
size_t c_mode_bench_heap_bytes(void);

/// Number of distinct blocking sites of `c_mode_bench_block_at_site`.
#define C_MODE_BENCH_BLOCK_SITES 128

/// CLOCK_MONOTONIC in nanoseconds (the clock the stall benchmark's parent and child share).
uint64_t c_mode_bench_monotonic_ns(void);

/// CLOCK_REALTIME in nanoseconds since the epoch.
uint64_t c_mode_bench_realtime_ns(void);

/// Blocks the calling thread in `clock_nanosleep` until CLOCK_MONOTONIC reaches `until_ns` (a signal does not
/// shorten the block), from the `site % C_MODE_BENCH_BLOCK_SITES`-th of distinct functions: each site is its own
/// code address, so the stall watchdog's rate limiting (one report per site and window) does not apply between
/// sites.
void c_mode_bench_block_at_site(int site, uint64_t until_ns);

#endif
