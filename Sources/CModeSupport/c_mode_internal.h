// Declarations shared between CModeSupport's C files; not part of the module's public headers.
#pragma once

#include <stdint.h>

/// Reads two words at `address` without faulting (process_vm_readv, or mincore where that is forbidden).
/// Returns 1 on success. Async-signal-safe.
int c_mode_read_words(uintptr_t address, uintptr_t out[2]);

/// Follows the AsyncContext chain from the first of `fps` whose [fp - 8] looks like a context; see
/// c_mode_walk.c. Async-signal-safe.
int c_mode_walk_async(const uintptr_t *fps, int nfps, uintptr_t *out, int max, int *after_index);

/// Maps and installs an alternate signal stack for the calling thread unless it has one (async-signal-safe).
/// Returns the mapping when one was created.
void *c_mode_altstack_map_and_set(void);

/// 1 when the calling thread's alternate stack is known to be present.
int c_mode_altstack_ready(void);
