// Declarations shared between CModeSupport's C files; not part of the module's public headers.
#pragma once

#include <stdint.h>

/// Reads two words at `address` without faulting (process_vm_readv, or mincore where that is forbidden).
/// Returns 1 on success. Async-signal-safe.
int c_mode_read_words(uintptr_t address, uintptr_t out[2]);

/// Follows an async context chain from `context` (Parent at +0, ResumeParent at +8), recording each ResumeParent
/// that lies in a loaded module, at most `max`; `*complete` (when not NULL) is 1 when the chain ended at a null
/// Parent (its outermost context), 0 when it stopped on something unreadable or implausible, or at `max`.
/// Every read is checked. Async-signal-safe.
int c_mode_walk_async_context(uintptr_t context, uintptr_t *out, int max, int *complete);

/// Follows the AsyncContext chain from the first of `fps` whose [fp - 8] looks like a context; see
/// c_mode_walk.c. Async-signal-safe.
int c_mode_walk_async(const uintptr_t *fps, int nfps, uintptr_t *out, int max, int *after_index);

/// Maps and installs an alternate signal stack for the calling thread unless it has one (async-signal-safe).
/// Returns the mapping when one was created.
void *c_mode_altstack_map_and_set(void);

/// 1 when the calling thread's alternate stack is known to be present.
int c_mode_altstack_ready(void);

/// c_mode_unwind_frame_pointers that also records, in `fps` (may be NULL), the frame pointer each frame runs with.
int c_mode_unwind_frame_pointers_fps(uintptr_t pc, uintptr_t fp, uintptr_t *frames, uintptr_t *fps, int max);

/// 1 when `address` is in a loaded module and follows a call instruction (x86_64; on other architectures: in
/// a loaded module). Reads are checked. Async-signal-safe.
int c_mode_is_return_address(uintptr_t address);

/// 1 when `ip` is in __libc_start_main: unwinding stops there (see c_mode_capture.c).
int c_mode_is_outermost_frame(uintptr_t ip);

/// Enables the signal-free capture of blocked threads (c_mode_capture_blocked.c) unless `enabled` is 0, and
/// loads libunwind's remote interface when `use_libunwind`. Called by c_mode_capture_install.
void c_mode_capture_blocked_setup(int enabled, int use_libunwind);
