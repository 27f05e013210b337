// Native stack capture: libunwind loaded at run time (never linked), a SIGPROF handler that unwinds the
// interrupted thread from its ucontext, a frame-pointer fallback, and alternate signal stacks.
//
// Protocol of c_mode_capture_thread: one request at a time (a mutex serialises requesters). The request slot
// holds a state word `generation << 2 | phase`. The requester publishes (gen, REQUESTED) and sends SIGPROF with
// rt_tgsigqueueinfo (si_code SI_QUEUE, si_value = gen | tag). The handler claims the slot with a CAS
// (gen, REQUESTED) -> (gen, WRITING), unwinds into the preallocated buffer, stores (gen, DONE) and sem_posts.
// A late handler of an abandoned request fails the CAS and writes nothing, so it cannot corrupt a newer one.
// SIGPROF that is not ours (another profiler, setitimer) is chained to the previous handler.
//
// A thread blocked in the kernel is captured without a signal (c_mode_capture_blocked): the signal would cut
// short the call it sleeps in. Its SP and PC come from /proc/self/task/TID/syscall and its stack is unwound
// over our own memory with checked reads (libunwind's remote interface, or a CFI-free stack scan).
#pragma once

#include <stdint.h>

#include "c_mode_task_clues.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Maximum frames one capture records.
#define C_MODE_MAX_FRAMES 256

/// Which unwinder produced a stack.
enum {
    C_MODE_UNWINDER_NONE = 0,
    C_MODE_UNWINDER_LIBUNWIND = 1,
    C_MODE_UNWINDER_FRAME_POINTER = 2,
    C_MODE_UNWINDER_LIBUNWIND_REMOTE = 3,  // a blocked thread, no signal: libunwind's remote interface
    C_MODE_UNWINDER_STACK_SCAN = 4,        // a blocked thread, no signal: stack scan + frame-pointer chain
};

/// Result codes of c_mode_capture_blocked.
enum {
    C_MODE_BLOCKED_OK = 0,
    C_MODE_BLOCKED_RUNNING = 1,         // not in the kernel: capture it with the signal, which interrupts nothing
    C_MODE_BLOCKED_UNAVAILABLE = 2,     // no /proc/.../syscall, no process_vm_readv, disabled: use the signal
    C_MODE_BLOCKED_NO_SUCH_THREAD = 3,  // the thread is gone (or exited during the capture)
};

/// Flags of c_mode_capture_blocked.
enum {
    C_MODE_BLOCKED_FLAG_MOVED = 1,  // the thread left and re-entered the kernel during every try: frames may mix
};

/// Result codes of c_mode_capture_thread.
enum {
    C_MODE_CAPTURE_OK = 0,
    C_MODE_CAPTURE_NOT_INSTALLED = 1,
    C_MODE_CAPTURE_NO_SUCH_THREAD = 2,
    C_MODE_CAPTURE_TIMED_OUT = 3,
    C_MODE_CAPTURE_BUSY = 4,
    C_MODE_CAPTURE_SEND_FAILED = 5,
};

/// Installs the SIGPROF handler (idempotent) and loads libunwind.so.8 unless `disable_libunwind` is non-zero.
/// Blocked threads will be captured without a signal (c_mode_capture_blocked) unless MODE_CAPTURE_WITH_SIGNAL
/// is set (and not "0") in the environment. Returns 0, or an errno value when sigaction failed.
int c_mode_capture_install(int disable_libunwind);

/// Captures thread `tid` without a signal if it is blocked in the kernel (its state is not running). Frame 0
/// is its exact program counter (inside the system-call wrapper), then return addresses; the async callers as
/// in c_mode_capture_thread_async. Returns a C_MODE_BLOCKED_* code; only C_MODE_BLOCKED_OK fills `frames`.
/// Not async-signal-safe (reads /proc, may take libunwind's cache lock). Captures are serialised.
int c_mode_capture_blocked(int32_t tid, uintptr_t *frames, int max, int *count, int *unwinder,
                           uintptr_t *async_frames, int async_max, int *async_count, int *async_after, int *flags);

/// Why blocked threads are captured with the signal too ("" when they are not): a static string.
const char *c_mode_capture_blocked_status(void);

/// 1 once c_mode_capture_install succeeded.
int c_mode_capture_installed(void);

/// Number of SIGPROF requests whose handler ran after the requester gave up (dropped by the generation check).
uint64_t c_mode_capture_stale_signal_count(void);

/// 1 when libunwind was loaded and all its functions resolved.
int c_mode_libunwind_loaded(void);

/// Why libunwind is not used ("" when it is): a static string.
const char *c_mode_libunwind_status(void);

/// Captures the stack of thread `tid` of this process. Frame 0 is the interrupted program counter, the others
/// are return addresses. On C_MODE_CAPTURE_OK `*count` frames are in `frames` and `*unwinder` says which
/// unwinder produced them. `*errno_out` receives the errno of a failed send.
int c_mode_capture_thread(int32_t tid, int64_t timeout_ns, uintptr_t *frames, int max, int *count, int *unwinder,
                          int *errno_out);

/// c_mode_capture_thread plus the async callers: when a frame `*async_after` belongs to a Swift async function,
/// `*async_count` continuation addresses of its callers (innermost first) are copied to `async_frames`.
/// Candidates only: callers validate them by symbol (a continuation of an async function). `*task_out` receives
/// the clues of the task running on the thread (see c_mode_task_clues.h).
int c_mode_capture_thread_async(int32_t tid, int64_t timeout_ns, uintptr_t *frames, int max, int *count,
                                int *unwinder, int *errno_out, uintptr_t *async_frames, int async_max,
                                int *async_count, int *async_after, c_mode_task_clues *task_out);

/// The Swift task running on the calling thread (`swift_task_getCurrent`), 0 outside a task or when the
/// concurrency runtime is absent. Async-signal-safe (a thread-local read).
uintptr_t c_mode_current_swift_task(void);

/// Captures the calling thread. Frame 0 is the return address into the caller of this function (the caller's
/// own frame), then `skip` further frames are dropped. Returns the number of frames.
int c_mode_capture_current(int skip, uintptr_t *frames, int max, int *unwinder);

/// Unwinds from a signal handler's ucontext into `frames` (async-signal-safe). Uses libunwind when loaded,
/// else the frame-pointer walk. Returns the frame count and sets `*unwinder`.
int c_mode_unwind_ucontext(void *ucontext, uintptr_t *frames, int max, int *unwinder);

/// Frame-pointer walk from (pc, fp); every read is checked, so a corrupt chain ends the walk, never faults.
int c_mode_unwind_frame_pointers(uintptr_t pc, uintptr_t fp, uintptr_t *frames, int max);

/// Gives the calling thread a 64 KiB alternate signal stack (plus a guard page) unless it already has one.
/// Idempotent and cheap after the first call (one thread-local check). Returns 0, or -1 on failure.
int c_mode_altstack_install_current(void);

/// Asks thread `tid` (through the SIGPROF handler) to install its own alternate signal stack. Returns a
/// C_MODE_CAPTURE_* code.
int c_mode_altstack_install_thread(int32_t tid, int64_t timeout_ns);

/// 1 when the calling thread has an alternate signal stack.
int c_mode_altstack_present(void);

#ifdef __cplusplus
}
#endif
