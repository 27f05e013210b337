#include "c_mode_bench.h"

#ifdef __linux__
#include <malloc.h>

size_t c_mode_bench_heap_bytes(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}
#else
size_t c_mode_bench_heap_bytes(void) { return 0; }
#endif
