#ifndef C_MODE_BENCH_H
#define C_MODE_BENCH_H

#include <stddef.h>

/// Bytes handed out by malloc right now (glibc mallinfo2: arena + mmapped blocks); 0 elsewhere.
size_t c_mode_bench_heap_bytes(void);

#endif
