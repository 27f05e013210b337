// Native stack capture of any thread (see c_mode_capture.h for the protocol).
#ifdef __linux__
#ifndef _GNU_SOURCE
#error You must define _GNU_SOURCE
#endif
#include "c_mode_capture.h"
#include "c_mode_io.h"
#include "c_mode_internal.h"
#include "c_mode_modules.h"
#include "c_mode_unwind_abi.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

// MARK: libunwind, resolved at run time

#if C_MODE_HAVE_LIBUNWIND_ABI
typedef int (*c_mode_unw_init_local2_fn)(c_mode_unw_cursor_t *, c_mode_unw_context_t *, int);
typedef int (*c_mode_unw_init_local_fn)(c_mode_unw_cursor_t *, c_mode_unw_context_t *);
typedef int (*c_mode_unw_step_fn)(c_mode_unw_cursor_t *);
typedef int (*c_mode_unw_get_reg_fn)(c_mode_unw_cursor_t *, c_mode_unw_regnum_t, c_mode_unw_word_t *);
typedef int (*c_mode_unw_getcontext_fn)(c_mode_unw_context_t *);
typedef int (*c_mode_unw_set_caching_policy_fn)(c_mode_unw_addr_space_t, int);

static c_mode_unw_init_local2_fn c_mode_unw_init_local2;
static c_mode_unw_init_local_fn c_mode_unw_init_local;
static c_mode_unw_step_fn c_mode_unw_step;
static c_mode_unw_get_reg_fn c_mode_unw_get_reg;
static c_mode_unw_getcontext_fn c_mode_unw_getcontext;
#endif
static _Atomic int c_mode_unw_loaded;
static const char *c_mode_unw_status = "not loaded";

// The outermost frame worth stepping from: __libc_start_main. Stepping past it reaches _start, which has no
// unwind info; libunwind then looks for .debug_frame by reading the executable from disk (measured: ~4.5 ms
// per capture of the main thread). Stop there instead.
static uintptr_t c_mode_stop_start, c_mode_stop_end;


static void c_mode_load_libunwind(void) {
#if C_MODE_HAVE_LIBUNWIND_ABI
    void *lib = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        c_mode_unw_status = "libunwind.so.8 not found (frame-pointer walk used)";
        return;
    }
    c_mode_unw_init_local2 = (c_mode_unw_init_local2_fn)dlsym(lib, C_MODE_UNW_SYM_INIT_LOCAL2);
    c_mode_unw_init_local = (c_mode_unw_init_local_fn)dlsym(lib, C_MODE_UNW_SYM_INIT_LOCAL);
    c_mode_unw_step = (c_mode_unw_step_fn)dlsym(lib, C_MODE_UNW_SYM_STEP);
    c_mode_unw_get_reg = (c_mode_unw_get_reg_fn)dlsym(lib, C_MODE_UNW_SYM_GET_REG);
    c_mode_unw_getcontext = (c_mode_unw_getcontext_fn)dlsym(lib, C_MODE_UNW_SYM_GETCONTEXT);
    c_mode_unw_set_caching_policy_fn set_policy =
        (c_mode_unw_set_caching_policy_fn)dlsym(lib, C_MODE_UNW_SYM_SET_CACHING_POLICY);
    c_mode_unw_addr_space_t *local_space = (c_mode_unw_addr_space_t *)dlsym(lib, C_MODE_UNW_SYM_LOCAL_ADDR_SPACE);
    if (c_mode_unw_init_local2 == NULL || c_mode_unw_init_local == NULL || c_mode_unw_step == NULL ||
        c_mode_unw_get_reg == NULL || c_mode_unw_getcontext == NULL) {
        c_mode_unw_status = "libunwind.so.8 lacks unw_init_local2 (frame-pointer walk used)";
        return;
    }
    // Per-thread caches: no global lock is taken while unwinding inside a signal handler.
    if (set_policy != NULL && local_space != NULL) set_policy(*local_space, C_MODE_UNW_CACHE_PER_THREAD);
    void *start_main = dlsym(RTLD_DEFAULT, "__libc_start_main");
    if (start_main != NULL) {
        c_mode_stop_start = (uintptr_t)start_main;
        c_mode_stop_end = c_mode_stop_start + 512;
    }
    c_mode_unw_status = "";
    atomic_store(&c_mode_unw_loaded, 1);
#else
    c_mode_unw_status = "libunwind is not used on this architecture (frame-pointer walk used)";
#endif
}

int c_mode_libunwind_loaded(void) { return atomic_load(&c_mode_unw_loaded); }
const char *c_mode_libunwind_status(void) { return c_mode_unw_status; }

// Frame pointers seen while unwinding (for the async-context walk), filled by the capture handler only.
static __thread __attribute__((tls_model("initial-exec"))) uintptr_t *c_mode_fp_sink;
static __thread __attribute__((tls_model("initial-exec"))) int c_mode_fp_sink_count;

#if C_MODE_HAVE_LIBUNWIND_ABI
static int c_mode_unwind_with_libunwind(c_mode_unw_cursor_t *cursor, uintptr_t *frames, int max) {
    int n = 0;
    do {
        c_mode_unw_word_t ip = 0;
        if (c_mode_unw_get_reg(cursor, C_MODE_UNW_REG_IP, &ip) < 0 || ip == 0) break;
        if (c_mode_fp_sink != NULL) {
            c_mode_unw_word_t fp = 0;
            c_mode_unw_get_reg(cursor, C_MODE_UNW_X86_64_RBP, &fp);
            c_mode_fp_sink[n] = (uintptr_t)fp;
            c_mode_fp_sink_count = n + 1;
        }
        frames[n++] = (uintptr_t)ip;
        if (c_mode_is_outermost_frame((uintptr_t)ip)) break;
    } while (n < max && c_mode_unw_step(cursor) > 0);
    return n;
}
#endif

int c_mode_is_return_address(uintptr_t address) {
    uintptr_t bias = 0, code[2];
    const char *path = NULL;
    if (!c_mode_modules_lookup(address, &bias, &path)) return 0;
#if defined(__x86_64__)
    if (!c_mode_read_words(address - 8, code)) return 0;
    const unsigned char *before = (const unsigned char *)&code[0];  // the 8 bytes preceding address
    // call rel32 (E8, 5 bytes); call r/m64 (FF /2: 2, 3, 6 or 7 bytes with ModRM, SIB, displacement)
    return before[3] == 0xE8 || before[6] == 0xFF || before[5] == 0xFF || before[2] == 0xFF || before[1] == 0xFF;
#else
    (void)code;
    return 1;
#endif
}

int c_mode_is_outermost_frame(uintptr_t ip) { return ip >= c_mode_stop_start && ip < c_mode_stop_end; }

int c_mode_unwind_ucontext(void *ucontext, uintptr_t *frames, int max, int *unwinder) {
    ucontext_t *uc = (ucontext_t *)ucontext;
#if C_MODE_HAVE_LIBUNWIND_ABI
    if (atomic_load(&c_mode_unw_loaded)) {
        c_mode_unw_cursor_t cursor;
        if (c_mode_unw_init_local2(&cursor, (c_mode_unw_context_t *)uc, C_MODE_UNW_INIT_SIGNAL_FRAME) >= 0) {
            int n = c_mode_unwind_with_libunwind(&cursor, frames, max);
            if (n > 1) {
                *unwinder = C_MODE_UNWINDER_LIBUNWIND;
                return n;
            }
        }
    }
#endif
    *unwinder = C_MODE_UNWINDER_FRAME_POINTER;
#if defined(__x86_64__)
    int n = c_mode_unwind_frame_pointers((uintptr_t)uc->uc_mcontext.gregs[REG_RIP],
                                         (uintptr_t)uc->uc_mcontext.gregs[REG_RBP], frames, max);
    // The interrupted function is often a libc leaf without a frame of its own (a system-call wrapper such as
    // read): the frame chain then starts at its caller's caller and skips the caller. Scan the words between
    // the stack pointer and the frame pointer for the first return address into a loaded module (preceded by
    // a call instruction) and insert it.
    uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP], bp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
    for (int k = 0; n >= 1 && n < max && k < 32 && sp + (uintptr_t)k * 8 < bp; k++) {
        uintptr_t words[2];
        if (!c_mode_read_words(sp + (uintptr_t)k * 8, words)) break;
        uintptr_t candidate = words[0];
        if (n > 1 && candidate == frames[1]) break;
        if (!c_mode_is_return_address(candidate)) continue;
        for (int i = n; i > 1; i--) frames[i] = frames[i - 1];
        frames[1] = candidate;
        n++;
        break;
    }
    return n;
#elif defined(__aarch64__)
    return c_mode_unwind_frame_pointers((uintptr_t)uc->uc_mcontext.pc, (uintptr_t)uc->uc_mcontext.regs[29], frames,
                                        max);
#else
    return 0;
#endif
}

__attribute__((noinline)) int c_mode_capture_current(int skip, uintptr_t *frames, int max, int *unwinder) {
    uintptr_t scratch[C_MODE_MAX_FRAMES + 8];
    int n = 0, drop = 0;
#if C_MODE_HAVE_LIBUNWIND_ABI
    if (atomic_load(&c_mode_unw_loaded)) {
        c_mode_unw_context_t context;
        c_mode_unw_cursor_t cursor;
        if (c_mode_unw_getcontext(&context) == 0 && c_mode_unw_init_local(&cursor, &context) >= 0) {
            n = c_mode_unwind_with_libunwind(&cursor, scratch, C_MODE_MAX_FRAMES + 8);
            drop = 1;  // frame 0 is inside this function
            *unwinder = C_MODE_UNWINDER_LIBUNWIND;
        }
    }
#endif
    if (n <= 1) {
        // The walk starts at our caller's return address: nothing of this function to drop.
        n = c_mode_unwind_frame_pointers(0, (uintptr_t)__builtin_frame_address(0), scratch, C_MODE_MAX_FRAMES + 8);
        drop = 0;
        *unwinder = C_MODE_UNWINDER_FRAME_POINTER;
    }
    drop += skip < 0 ? 0 : skip;
    int out = 0;
    for (int i = drop; i < n && out < max; i++) frames[out++] = scratch[i];
    return out;
}

// MARK: the SIGPROF request slot

enum { C_MODE_PHASE_IDLE = 0, C_MODE_PHASE_REQUESTED = 1, C_MODE_PHASE_WRITING = 2, C_MODE_PHASE_DONE = 3 };
enum { C_MODE_KIND_CAPTURE = 0, C_MODE_KIND_ALTSTACK = 1 };
#define C_MODE_SIGNAL_TAG 0xA5u

static pthread_mutex_t c_mode_request_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint64_t c_mode_request_state;
static uint64_t c_mode_request_generation;  // guarded by c_mode_request_lock
static uintptr_t c_mode_request_frames[C_MODE_MAX_FRAMES];
static int c_mode_request_count;
static int c_mode_request_unwinder;
static uintptr_t c_mode_request_fps[C_MODE_MAX_FRAMES];
static uintptr_t c_mode_request_async[C_MODE_MAX_FRAMES];
static int c_mode_request_async_count;
static int c_mode_request_async_after;
static c_mode_task_clues c_mode_request_task;

// The Swift task running on the calling thread (a thread-local read in the concurrency runtime, safe in a
// signal handler). Weak: the C target links without Swift concurrency.
extern void *swift_task_getCurrent(void) __attribute__((weak));

uintptr_t c_mode_current_swift_task(void) {
    return swift_task_getCurrent != NULL ? (uintptr_t)swift_task_getCurrent() : 0;
}
static sem_t c_mode_request_done;
static struct sigaction c_mode_previous_sigprof;
static _Atomic int c_mode_installed;
static _Atomic uint64_t c_mode_stale_signals;

static void c_mode_chain_sigprof(int sig, siginfo_t *info, void *uc) {
    struct sigaction *prev = &c_mode_previous_sigprof;
    if (prev->sa_flags & SA_SIGINFO) {
        if (prev->sa_sigaction != NULL) prev->sa_sigaction(sig, info, uc);
    } else if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN && prev->sa_handler != NULL) {
        prev->sa_handler(sig);
    }
    // SIG_DFL would terminate the process: a stray SIGPROF that nobody asked for is ignored instead.
}

static void c_mode_sigprof_handler(int sig, siginfo_t *info, void *uc) {
    int saved_errno = errno;
    uintptr_t value = (uintptr_t)info->si_value.sival_ptr;
    if (info->si_code == SI_QUEUE && info->si_pid == getpid() && (value & 0xFFu) == C_MODE_SIGNAL_TAG) {
        uint64_t generation = (uint64_t)value >> 12;
        int kind = (int)((value >> 8) & 0xFu);
        uint64_t expected = (generation << 2) | C_MODE_PHASE_REQUESTED;
        if (atomic_compare_exchange_strong(&c_mode_request_state, &expected,
                                           (generation << 2) | C_MODE_PHASE_WRITING)) {
            if (kind == C_MODE_KIND_CAPTURE) {
                int unwinder = C_MODE_UNWINDER_NONE;
                c_mode_fp_sink = c_mode_request_fps;
                c_mode_fp_sink_count = 0;
                c_mode_request_count = c_mode_unwind_ucontext(uc, c_mode_request_frames, C_MODE_MAX_FRAMES, &unwinder);
                c_mode_fp_sink = NULL;
                c_mode_request_unwinder = unwinder;
                // The job an executor started may have switched inline to another task (a task group's parent
                // resumed by its finishing child): the runtime's current task is the one whose code runs.
                c_mode_task_clues_read(&c_mode_request_task);
                c_mode_request_async_count = 0;
                c_mode_request_async_after = -1;
                if (unwinder == C_MODE_UNWINDER_LIBUNWIND) {
                    c_mode_request_async_count =
                        c_mode_walk_async(c_mode_request_fps, c_mode_fp_sink_count, c_mode_request_async,
                                          C_MODE_MAX_FRAMES, &c_mode_request_async_after);
                }
            } else {
                // Not freed at thread exit: pool threads live as long as the process.
                if (c_mode_altstack_map_and_set() != NULL) {
                    // rt_sigreturn restores the alternate stack saved in the signal frame: publish the new one
                    // there, or returning from this handler would uninstall it again.
                    stack_t installed;
                    if (sigaltstack(NULL, &installed) == 0) {
                        ((ucontext_t *)uc)->uc_stack = installed;
                        ((ucontext_t *)uc)->uc_stack.ss_flags = 0;
                    }
                }
                c_mode_request_count = c_mode_altstack_ready();
            }
            atomic_store(&c_mode_request_state, (generation << 2) | C_MODE_PHASE_DONE);
            sem_post(&c_mode_request_done);
        } else {
            // A late signal of an abandoned request: the slot belongs to someone else now; touch nothing.
            atomic_fetch_add(&c_mode_stale_signals, 1);
        }
    } else {
        c_mode_chain_sigprof(sig, info, uc);
    }
    errno = saved_errno;
}

int c_mode_capture_install(int disable_libunwind) {
    pthread_mutex_lock(&c_mode_request_lock);
    if (atomic_load(&c_mode_installed)) {
        pthread_mutex_unlock(&c_mode_request_lock);
        return 0;
    }
    if (!disable_libunwind) {
        c_mode_load_libunwind();
    } else {
        c_mode_unw_status = "libunwind disabled by MODE_DISABLE_LIBUNWIND (frame-pointer walk used)";
    }
    const char *signal_only = getenv("MODE_CAPTURE_WITH_SIGNAL");
    c_mode_capture_blocked_setup(signal_only == NULL || signal_only[0] == '\0' || strcmp(signal_only, "0") == 0,
                                 !disable_libunwind);
    sem_init(&c_mode_request_done, 0, 0);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = c_mode_sigprof_handler;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGPROF, &action, &c_mode_previous_sigprof) != 0) {
        int error = errno;
        pthread_mutex_unlock(&c_mode_request_lock);
        return error;
    }
    atomic_store(&c_mode_installed, 1);
    pthread_mutex_unlock(&c_mode_request_lock);
    // Warm libunwind: the first unwind in a thread parses unwind tables and fills caches.
    uintptr_t warm[8];
    int unwinder = 0;
    (void)c_mode_capture_current(0, warm, 8, &unwinder);
    return 0;
}

int c_mode_capture_installed(void) { return atomic_load(&c_mode_installed); }

uint64_t c_mode_capture_stale_signal_count(void) { return atomic_load(&c_mode_stale_signals); }

static void c_mode_deadline_after(struct timespec *deadline, int64_t ns) {
    clock_gettime(CLOCK_MONOTONIC, deadline);
    deadline->tv_sec += (time_t)(ns / 1000000000);
    deadline->tv_nsec += (long)(ns % 1000000000);
    if (deadline->tv_nsec >= 1000000000) {
        deadline->tv_sec += 1;
        deadline->tv_nsec -= 1000000000;
    }
}

// Waits for the post of `generation`; 1 when the state reached DONE for it.
static int c_mode_wait_done(uint64_t generation, const struct timespec *deadline) {
    for (;;) {
        if (sem_clockwait(&c_mode_request_done, CLOCK_MONOTONIC, deadline) == 0) {
            if (atomic_load(&c_mode_request_state) == ((generation << 2) | C_MODE_PHASE_DONE)) return 1;
            continue;  // a post of an older generation that finished after we gave up on it
        }
        if (errno == EINTR) continue;
        return 0;
    }
}

static int c_mode_request(int32_t tid, int kind, int64_t timeout_ns, int *errno_out) {
    if (!atomic_load(&c_mode_installed)) return C_MODE_CAPTURE_NOT_INSTALLED;
    uint64_t state = atomic_load(&c_mode_request_state);
    if ((state & 3u) == C_MODE_PHASE_WRITING) return C_MODE_CAPTURE_BUSY;  // an abandoned handler still unwinds
    while (sem_trywait(&c_mode_request_done) == 0) {
    }
    uint64_t generation = ++c_mode_request_generation;
    atomic_store(&c_mode_request_state, (generation << 2) | C_MODE_PHASE_REQUESTED);

    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = SIGPROF;
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    info.si_value.sival_ptr = (void *)(uintptr_t)((generation << 12) | ((uint64_t)kind << 8) | C_MODE_SIGNAL_TAG);
    if (syscall(SYS_rt_tgsigqueueinfo, (long)getpid(), (long)tid, (long)SIGPROF, &info) != 0) {
        int error = errno;
        atomic_store(&c_mode_request_state, (generation << 2) | C_MODE_PHASE_IDLE);
        if (errno_out) *errno_out = error;
        return (error == ESRCH || error == EINVAL) ? C_MODE_CAPTURE_NO_SUCH_THREAD : C_MODE_CAPTURE_SEND_FAILED;
    }
    struct timespec deadline;
    c_mode_deadline_after(&deadline, timeout_ns);
    if (c_mode_wait_done(generation, &deadline)) return C_MODE_CAPTURE_OK;

    // Timed out: withdraw the request unless the handler has already claimed it.
    uint64_t expected = (generation << 2) | C_MODE_PHASE_REQUESTED;
    if (atomic_compare_exchange_strong(&c_mode_request_state, &expected, (generation << 2) | C_MODE_PHASE_IDLE)) {
        return C_MODE_CAPTURE_TIMED_OUT;
    }
    // The handler is writing: it finishes in microseconds unless the thread is descheduled; give it a second.
    c_mode_deadline_after(&deadline, 1000000000);
    if (c_mode_wait_done(generation, &deadline)) return C_MODE_CAPTURE_OK;
    return C_MODE_CAPTURE_TIMED_OUT;
}

int c_mode_capture_thread(int32_t tid, int64_t timeout_ns, uintptr_t *frames, int max, int *count, int *unwinder,
                          int *errno_out) {
    *count = 0;
    *unwinder = C_MODE_UNWINDER_NONE;
    if (errno_out) *errno_out = 0;
    pthread_mutex_lock(&c_mode_request_lock);
    int result = c_mode_request(tid, C_MODE_KIND_CAPTURE, timeout_ns, errno_out);
    if (result == C_MODE_CAPTURE_OK) {
        int n = c_mode_request_count < max ? c_mode_request_count : max;
        memcpy(frames, c_mode_request_frames, (size_t)n * sizeof(uintptr_t));
        *count = n;
        *unwinder = c_mode_request_unwinder;
    }
    pthread_mutex_unlock(&c_mode_request_lock);
    return result;
}

int c_mode_capture_thread_async(int32_t tid, int64_t timeout_ns, uintptr_t *frames, int max, int *count,
                                int *unwinder, int *errno_out, uintptr_t *async_frames, int async_max,
                                int *async_count, int *async_after, c_mode_task_clues *task_out) {
    *async_count = 0;
    if (task_out) memset(task_out, 0, sizeof *task_out);
    *async_after = -1;
    *count = 0;
    *unwinder = C_MODE_UNWINDER_NONE;
    if (errno_out) *errno_out = 0;
    pthread_mutex_lock(&c_mode_request_lock);
    int result = c_mode_request(tid, C_MODE_KIND_CAPTURE, timeout_ns, errno_out);
    if (result == C_MODE_CAPTURE_OK) {
        int n = c_mode_request_count < max ? c_mode_request_count : max;
        memcpy(frames, c_mode_request_frames, (size_t)n * sizeof(uintptr_t));
        *count = n;
        *unwinder = c_mode_request_unwinder;
        int a = c_mode_request_async_count < async_max ? c_mode_request_async_count : async_max;
        if (a > 0) memcpy(async_frames, c_mode_request_async, (size_t)a * sizeof(uintptr_t));
        *async_count = a;
        *async_after = c_mode_request_async_after;
        if (task_out) *task_out = c_mode_request_task;
    }
    pthread_mutex_unlock(&c_mode_request_lock);
    return result;
}

int c_mode_altstack_install_thread(int32_t tid, int64_t timeout_ns) {
    if (tid == c_mode_gettid()) return c_mode_altstack_install_current() == 0 ? C_MODE_CAPTURE_OK : C_MODE_CAPTURE_BUSY;
    pthread_mutex_lock(&c_mode_request_lock);
    int result = c_mode_request(tid, C_MODE_KIND_ALTSTACK, timeout_ns, NULL);
    pthread_mutex_unlock(&c_mode_request_lock);
    return result;
}

#else
int c_mode_capture_unsupported_platform(void) { return 0; }
#endif
