// Stack capture of a thread blocked in the kernel, without a signal (see c_mode_capture.h).
//
// A signal interrupts the system call it lands in (nanosleep, poll, futex waits: EINTR or an early return,
// SA_RESTART or not), so a diagnostic that signals a sleeping thread changes what it observes. A thread that
// sleeps in the kernel does not move: /proc/self/task/TID/syscall gives its user stack pointer and program
// counter (`nr args... sp pc`, or `running`), its stack is in our own address space, and libunwind's remote
// interface unwinds it through accessors that read memory with process_vm_readv (an unreadable address is an
// error, never a fault). Only SP and PC are known: callee-saved registers are unknown until a frame restores
// them from the stack. libc's wrappers have CFI with a CFA computed from RSP; the first frame whose CFA is
// computed from RBP (Swift code keeps frame pointers) asks for RBP, and the accessor answers with the first
// frame record found by scanning up from that frame's stack pointer. Without libunwind (or when it stops
// early) a CFI-free scan gives the same frames, less exactly. The syscall file is read again after the walk:
// if the thread moved, the walk is retried; a thread that is now running is left to the signal.
#ifdef __linux__
#ifndef _GNU_SOURCE
#error You must define _GNU_SOURCE
#endif
#include "c_mode_capture.h"
#include "c_mode_internal.h"
#include "c_mode_unwind_abi.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static pthread_mutex_t c_mode_blocked_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int c_mode_blocked_enabled;
static _Atomic(const char *) c_mode_blocked_why = "not installed";

// MARK: /proc/self/task/TID/syscall

typedef struct {
    uintptr_t sp, pc;
    long nr;
    char line[256];
} c_mode_syscall_state;

enum { C_MODE_SYSCALL_BLOCKED, C_MODE_SYSCALL_RUNNING, C_MODE_SYSCALL_UNAVAILABLE, C_MODE_SYSCALL_GONE };

static int c_mode_read_syscall(int32_t tid, c_mode_syscall_state *state) {
    char path[64];
    memcpy(path, "/proc/self/task/", 16);
    int length = 16;
    char digits[16];
    int d = 0;
    for (uint32_t value = (uint32_t)tid; d == 0 || value != 0; value /= 10) digits[d++] = (char)('0' + value % 10);
    while (d > 0) path[length++] = digits[--d];
    memcpy(path + length, "/syscall", 9);

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int error = errno;
        path[length] = '\0';
        if (error == ENOENT && access(path, F_OK) != 0) return C_MODE_SYSCALL_GONE;  // no such thread
        // The thread exists but its syscall file cannot be read: the kernel lacks it (no
        // CONFIG_HAVE_ARCH_TRACEHOOK) or forbids it (a sandbox); it will not get better, so stop trying.
        atomic_store(&c_mode_blocked_why, error == ENOENT
                                 ? "this kernel has no /proc/PID/task/TID/syscall (every capture sends SIGPROF)"
                                 : "/proc/self/task/TID/syscall is not readable (every capture sends SIGPROF)");
        atomic_store(&c_mode_blocked_enabled, 0);
        return C_MODE_SYSCALL_UNAVAILABLE;
    }
    ssize_t n;
    do n = read(fd, state->line, sizeof state->line - 1);
    while (n < 0 && errno == EINTR);
    int error = errno;
    close(fd);
    if (n <= 0) return n < 0 && error == ESRCH ? C_MODE_SYSCALL_GONE : C_MODE_SYSCALL_UNAVAILABLE;
    state->line[n] = '\0';
    if (strncmp(state->line, "running", 7) == 0) return C_MODE_SYSCALL_RUNNING;

    // "nr a0 a1 a2 a3 a4 a5 sp pc" in a system call, "-1 sp pc" in a fault or exception.
    uintptr_t fields[10];
    int count = 0;
    const char *p = state->line;
    int negative = 0;
    if (*p == '-') {
        negative = 1;
        p++;
    }
    while (count < 10 && *p != '\0' && *p != '\n') {
        uintptr_t value = 0;
        int base = (p[0] == '0' && p[1] == 'x') ? 16 : 10;
        if (base == 16) p += 2;
        const char *start = p;
        for (;; p++) {
            int digit = (*p >= '0' && *p <= '9') ? *p - '0'
                        : (base == 16 && *p >= 'a' && *p <= 'f') ? *p - 'a' + 10
                                                                 : -1;
            if (digit < 0) break;
            value = value * (uintptr_t)base + (uintptr_t)digit;
        }
        if (p == start) return C_MODE_SYSCALL_UNAVAILABLE;
        fields[count++] = value;
        while (*p == ' ') p++;
    }
    if (count != 3 && count != 9) return C_MODE_SYSCALL_UNAVAILABLE;
    state->nr = negative ? -(long)fields[0] : (long)fields[0];
    state->sp = fields[count - 2];
    state->pc = fields[count - 1];
    if (state->sp == 0 || state->pc == 0) return C_MODE_SYSCALL_UNAVAILABLE;
    return C_MODE_SYSCALL_BLOCKED;
}

// MARK: checked reads, with a small cache of 256-byte lines

#define C_MODE_LINE 256
#define C_MODE_LINES 16

typedef struct {
    uintptr_t base[C_MODE_LINES];
    unsigned char bytes[C_MODE_LINES][C_MODE_LINE];
    int used, next;
} c_mode_read_cache;

// Copies `size` bytes at `address` (size <= 8) without faulting. An aligned 256-byte line never crosses a
// page, so a line is read whole or not at all; the few reads libunwind makes per frame hit a handful of lines.
static int c_mode_cached_read(c_mode_read_cache *cache, uintptr_t address, void *out, size_t size) {
    uintptr_t base = address & ~(uintptr_t)(C_MODE_LINE - 1);
    if (address + size > base + C_MODE_LINE) {  // straddles two lines: read it directly
        struct iovec local = {out, size}, remote = {(void *)address, size};
        return syscall(SYS_process_vm_readv, (long)getpid(), &local, 1UL, &remote, 1UL, 0UL) == (long)size;
    }
    for (int i = 0; i < cache->used; i++) {
        if (cache->base[i] == base) {
            memcpy(out, cache->bytes[i] + (address - base), size);
            return 1;
        }
    }
    int slot = cache->used < C_MODE_LINES ? cache->used : cache->next;
    struct iovec local = {cache->bytes[slot], C_MODE_LINE}, remote = {(void *)base, C_MODE_LINE};
    if (syscall(SYS_process_vm_readv, (long)getpid(), &local, 1UL, &remote, 1UL, 0UL) != C_MODE_LINE) return 0;
    cache->base[slot] = base;
    if (cache->used < C_MODE_LINES) cache->used++;
    else cache->next = (cache->next + 1) % C_MODE_LINES;
    memcpy(out, cache->bytes[slot] + (address - base), size);
    return 1;
}

static int c_mode_cached_word(c_mode_read_cache *cache, uintptr_t address, uintptr_t *out) {
    return c_mode_cached_read(cache, address, out, sizeof *out);
}

// MARK: the stack scan (CFI-free)

#define C_MODE_SCAN_WORDS 8192  // 64 KiB of stack

// Whether `record` holds a frame record: [record] the caller's frame pointer (0 at the end of the chain, else
// above and within 64 MiB), [record + 8] a return address; `depth` more records must follow.
static int c_mode_is_frame_record(c_mode_read_cache *cache, uintptr_t record, int depth) {
    for (int level = 0; level <= depth; level++) {
        uintptr_t next = 0, ret = 0;
        if ((record & 7) != 0 || !c_mode_cached_word(cache, record, &next) ||
            !c_mode_cached_word(cache, record + 8, &ret))
            return 0;
        if (!c_mode_is_return_address(ret)) return 0;
        if (next == 0) return 1;
        if (next <= record || next - record > (64u << 20)) return 0;
        record = next;
    }
    return 1;
}

// The first frame record at or above `sp` (checked two levels deep), 0 when none within 64 KiB.
static uintptr_t c_mode_find_frame_record(c_mode_read_cache *cache, uintptr_t sp) {
    for (uintptr_t k = 0; k < C_MODE_SCAN_WORDS; k++) {
        uintptr_t address = (sp & ~(uintptr_t)7) + k * 8, word = 0;
        if (!c_mode_cached_word(cache, address, &word)) return 0;  // the top of the stack mapping
        if (word > address && word - address < (64u << 20) && c_mode_is_frame_record(cache, address, 2)) {
            return address;
        }
    }
    return 0;
}

// Frame 0 is `pc`; then every return address between `sp` and the first frame record (the callers that keep
// no frame pointer, such as libc's wrappers: stale return addresses may be among them), then the frame
// chain. Returns the frame count; `fps` gets the frame pointers of the chained frames (0 for the others).
static int c_mode_unwind_by_scan(uintptr_t pc, uintptr_t sp, uintptr_t *frames, uintptr_t *fps, int max) {
    c_mode_read_cache cache = {.used = 0};
    int n = 0;
    if (max <= 0) return 0;
    fps[n] = 0;
    frames[n++] = pc;
    uintptr_t record = c_mode_find_frame_record(&cache, sp);
    if (record == 0) return n;
    for (uintptr_t address = (sp & ~(uintptr_t)7); address < record && n < max; address += 8) {
        uintptr_t word = 0;
        if (!c_mode_cached_word(&cache, address, &word)) break;
        if (c_mode_is_return_address(word)) {
            fps[n] = 0;
            frames[n++] = word;
        }
    }
    // The innermost frame with a record has its own return address below the record: it is the last one the
    // scan found. Its frame pointer is the record.
    if (n > 1) fps[n - 1] = record;
    return n + c_mode_unwind_frame_pointers_fps(0, record, frames + n, fps + n, max - n);
}

// MARK: libunwind's remote interface over our own memory

#if C_MODE_HAVE_LIBUNWIND_ABI
typedef c_mode_unw_addr_space_t (*c_mode_unw_create_addr_space_fn)(c_mode_unw_accessors_t *, int);
typedef c_mode_unw_accessors_t *(*c_mode_unw_get_accessors_fn)(c_mode_unw_addr_space_t);
typedef int (*c_mode_unw_set_caching_policy_fn)(c_mode_unw_addr_space_t, int);
typedef int (*c_mode_unw_init_remote_fn)(c_mode_unw_cursor_t *, c_mode_unw_addr_space_t, void *);
typedef int (*c_mode_unw_step_fn)(c_mode_unw_cursor_t *);
typedef int (*c_mode_unw_get_reg_fn)(c_mode_unw_cursor_t *, c_mode_unw_regnum_t, c_mode_unw_word_t *);

static c_mode_unw_addr_space_t c_mode_remote_space;
static c_mode_unw_init_remote_fn c_mode_remote_init;
static c_mode_unw_step_fn c_mode_remote_step;
static c_mode_unw_get_reg_fn c_mode_remote_get_reg;

// The registers of the walk: the blocked thread's SP and PC, and RBP once the scan has found it.
typedef struct {
    uintptr_t pc, sp;
    uintptr_t frame_sp;  // stack pointer of the frame being stepped: where the scan for RBP starts
    int stepping;        // the scan runs only while libunwind steps (it needs RBP for a CFA)
    int rbp_state;       // 0 not looked for, 1 found, -1 not found
    uintptr_t rbp;
    c_mode_read_cache cache;
} c_mode_remote_registers;

static int c_mode_remote_access_mem(c_mode_unw_addr_space_t space, c_mode_unw_word_t address, c_mode_unw_word_t *value,
                                    int write, void *arg) {
    (void)space;
    c_mode_remote_registers *registers = arg;
    if (write) return -C_MODE_UNW_EINVAL;
    uintptr_t word = 0;
    if (!c_mode_cached_word(&registers->cache, (uintptr_t)address, &word)) return -C_MODE_UNW_EINVAL;
    *value = (c_mode_unw_word_t)word;
    return 0;
}

// Only IP, RSP and RBP are known. RBP is the value of the register in the innermost frame that still has it
// (no frame in between saved and reused it): libunwind asks for it when a frame's CFA is computed from RBP,
// i.e. in the first frame that keeps a frame pointer, whose record is the first one above its stack pointer.
static int c_mode_remote_access_reg(c_mode_unw_addr_space_t space, c_mode_unw_regnum_t reg, c_mode_unw_word_t *value,
                                    int write, void *arg) {
    (void)space;
    c_mode_remote_registers *registers = arg;
    if (write) return -C_MODE_UNW_EREADONLYREG;
    switch (reg) {
    case C_MODE_UNW_REG_IP: *value = registers->pc; return 0;
    case C_MODE_UNW_X86_64_RSP: *value = registers->sp; return 0;
    case C_MODE_UNW_X86_64_RBP:
        if (registers->rbp_state == 0 && registers->stepping) {
            registers->rbp = c_mode_find_frame_record(&registers->cache, registers->frame_sp);
            registers->rbp_state = registers->rbp != 0 ? 1 : -1;
        }
        if (registers->rbp_state != 1) return -C_MODE_UNW_EBADREG;
        *value = registers->rbp;
        return 0;
    default: return -C_MODE_UNW_EBADREG;
    }
}

static int c_mode_remote_access_fpreg(c_mode_unw_addr_space_t space, c_mode_unw_regnum_t reg, void *value, int write,
                                      void *arg) {
    (void)space, (void)reg, (void)value, (void)write, (void)arg;
    return -C_MODE_UNW_EBADREG;
}

static int c_mode_remote_resume(c_mode_unw_addr_space_t space, c_mode_unw_cursor_t *cursor, void *arg) {
    (void)space, (void)cursor, (void)arg;
    return -C_MODE_UNW_EINVAL;
}

static void c_mode_load_remote_libunwind(void) {
    void *lib = dlopen(C_MODE_UNW_REMOTE_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) return;
    c_mode_unw_create_addr_space_fn create =
        (c_mode_unw_create_addr_space_fn)dlsym(lib, C_MODE_UNW_SYM_REMOTE_CREATE_ADDR_SPACE);
    c_mode_unw_get_accessors_fn get_accessors =
        (c_mode_unw_get_accessors_fn)dlsym(lib, C_MODE_UNW_SYM_REMOTE_GET_ACCESSORS);
    c_mode_unw_set_caching_policy_fn set_policy =
        (c_mode_unw_set_caching_policy_fn)dlsym(lib, C_MODE_UNW_SYM_REMOTE_SET_CACHING_POLICY);
    c_mode_unw_addr_space_t *local_space = (c_mode_unw_addr_space_t *)dlsym(lib, C_MODE_UNW_SYM_REMOTE_LOCAL_ADDR_SPACE);
    c_mode_remote_init = (c_mode_unw_init_remote_fn)dlsym(lib, C_MODE_UNW_SYM_REMOTE_INIT_REMOTE);
    c_mode_remote_step = (c_mode_unw_step_fn)dlsym(lib, C_MODE_UNW_SYM_REMOTE_STEP);
    c_mode_remote_get_reg = (c_mode_unw_get_reg_fn)dlsym(lib, C_MODE_UNW_SYM_REMOTE_GET_REG);
    if (create == NULL || get_accessors == NULL || local_space == NULL || c_mode_remote_init == NULL ||
        c_mode_remote_step == NULL || c_mode_remote_get_reg == NULL)
        return;
    // Unwind tables are found like a local unwind does (dl_iterate_phdr over our modules); every read of the
    // thread's stack and of the tables goes through our accessors.
    c_mode_unw_accessors_t accessors = *get_accessors(*local_space);
    accessors.access_mem = c_mode_remote_access_mem;
    accessors.access_reg = c_mode_remote_access_reg;
    accessors.access_fpreg = c_mode_remote_access_fpreg;
    accessors.resume = c_mode_remote_resume;
    accessors.get_proc_name = NULL;
    c_mode_unw_addr_space_t space = create(&accessors, 0);
    if (space == NULL) return;
    if (set_policy != NULL) set_policy(space, C_MODE_UNW_CACHE_GLOBAL);  // its lock is taken outside handlers
    c_mode_remote_space = space;
}

static int c_mode_unwind_remote(uintptr_t pc, uintptr_t sp, uintptr_t *frames, uintptr_t *fps, int max) {
    if (c_mode_remote_space == NULL || max <= 0) return 0;
    // Static: ~4 KiB of read cache; the walk is serialised by c_mode_blocked_lock.
    static c_mode_remote_registers registers;
    memset(&registers, 0, sizeof registers);
    registers.pc = pc;
    registers.sp = sp;
    c_mode_unw_cursor_t cursor;
    if (c_mode_remote_init(&cursor, c_mode_remote_space, &registers) < 0) return 0;
    int n = 0, stepped;
    do {
        c_mode_unw_word_t ip = 0, frame_sp = 0, fp = 0;
        if (c_mode_remote_get_reg(&cursor, C_MODE_UNW_REG_IP, &ip) < 0 || ip == 0) break;
        if (c_mode_remote_get_reg(&cursor, C_MODE_UNW_X86_64_RSP, &frame_sp) < 0) break;
        fps[n] = c_mode_remote_get_reg(&cursor, C_MODE_UNW_X86_64_RBP, &fp) == 0 ? (uintptr_t)fp : 0;
        frames[n++] = (uintptr_t)ip;
        if (c_mode_is_outermost_frame((uintptr_t)ip)) break;
        registers.frame_sp = (uintptr_t)frame_sp;
        registers.stepping = 1;
        int had_rbp = registers.rbp_state;
        stepped = c_mode_remote_step(&cursor);
        registers.stepping = 0;
        // The frame that asked for RBP is the one whose frame pointer it is (for the async-context walk).
        if (had_rbp == 0 && registers.rbp_state == 1 && fps[n - 1] == 0) fps[n - 1] = registers.rbp;
    } while (n < max && stepped > 0);
    return n;
}
#endif

// MARK: entry points

void c_mode_capture_blocked_setup(int enabled, int use_libunwind) {
    pthread_mutex_lock(&c_mode_blocked_lock);
#if defined(__x86_64__)
    if (!enabled) {
        atomic_store(&c_mode_blocked_why, "disabled by MODE_CAPTURE_WITH_SIGNAL (every capture sends SIGPROF)");
    } else {
        // process_vm_readv on our own pid may be forbidden (seccomp): then blocked threads get the signal too.
        uintptr_t probe[2] = {1, 2}, copy[2];
        struct iovec local = {copy, sizeof copy}, remote = {probe, sizeof probe};
        if (syscall(SYS_process_vm_readv, (long)getpid(), &local, 1UL, &remote, 1UL, 0UL) != (long)sizeof copy) {
            atomic_store(&c_mode_blocked_why, "process_vm_readv is not permitted (every capture sends SIGPROF)");
        } else {
#if C_MODE_HAVE_LIBUNWIND_ABI
            if (use_libunwind && c_mode_remote_space == NULL) c_mode_load_remote_libunwind();
#endif
            atomic_store(&c_mode_blocked_why, "");
            atomic_store(&c_mode_blocked_enabled, 1);
        }
    }
#else
    (void)enabled, (void)use_libunwind;
    atomic_store(&c_mode_blocked_why, "not implemented on this architecture (every capture sends SIGPROF)");
#endif
    pthread_mutex_unlock(&c_mode_blocked_lock);
}

const char *c_mode_capture_blocked_status(void) { return atomic_load(&c_mode_blocked_why); }

int c_mode_capture_blocked(int32_t tid, uintptr_t *frames, int max, int *count, int *unwinder,
                           uintptr_t *async_frames, int async_max, int *async_count, int *async_after, int *flags) {
    *count = 0;
    *unwinder = C_MODE_UNWINDER_NONE;
    *async_count = 0;
    *async_after = -1;
    *flags = 0;
    if (!atomic_load(&c_mode_blocked_enabled) || max <= 0) return C_MODE_BLOCKED_UNAVAILABLE;
    static uintptr_t fps[C_MODE_MAX_FRAMES];  // guarded by c_mode_blocked_lock
    if (max > C_MODE_MAX_FRAMES) max = C_MODE_MAX_FRAMES;
    pthread_mutex_lock(&c_mode_blocked_lock);
    int result = C_MODE_BLOCKED_UNAVAILABLE;
    c_mode_syscall_state before, after;
    for (int attempt = 0; attempt < 3; attempt++) {
        int status = c_mode_read_syscall(tid, &before);
        if (status != C_MODE_SYSCALL_BLOCKED) {
            result = status == C_MODE_SYSCALL_RUNNING ? C_MODE_BLOCKED_RUNNING
                     : status == C_MODE_SYSCALL_GONE  ? C_MODE_BLOCKED_NO_SUCH_THREAD
                                                      : C_MODE_BLOCKED_UNAVAILABLE;
            break;
        }
        int n = 0, used = C_MODE_UNWINDER_NONE;
#if C_MODE_HAVE_LIBUNWIND_ABI
        n = c_mode_unwind_remote(before.pc, before.sp, frames, fps, max);
        used = C_MODE_UNWINDER_LIBUNWIND_REMOTE;
#endif
        if (n <= 1) {
            n = c_mode_unwind_by_scan(before.pc, before.sp, frames, fps, max);
            used = C_MODE_UNWINDER_STACK_SCAN;
        }
        *count = n;
        *unwinder = used;
        // Still in the same call at the same place: the stack we read is the one it sleeps on.
        status = c_mode_read_syscall(tid, &after);
        if (status == C_MODE_SYSCALL_BLOCKED && strcmp(before.line, after.line) == 0) {
            result = C_MODE_BLOCKED_OK;
            *flags = 0;
            break;
        }
        if (status != C_MODE_SYSCALL_BLOCKED) {
            *count = 0;
            result = status == C_MODE_SYSCALL_RUNNING ? C_MODE_BLOCKED_RUNNING
                     : status == C_MODE_SYSCALL_GONE  ? C_MODE_BLOCKED_NO_SUCH_THREAD
                                                      : C_MODE_BLOCKED_UNAVAILABLE;
            break;
        }
        // Blocked again somewhere else (a loop of short waits): read again; keep the last walk after 3 tries.
        result = C_MODE_BLOCKED_OK;
        *flags = C_MODE_BLOCKED_FLAG_MOVED;
    }
    if (result == C_MODE_BLOCKED_OK && *count > 0) {
        *async_count = c_mode_walk_async(fps, *count, async_frames, async_max, async_after);
    }
    if (result != C_MODE_BLOCKED_OK) {
        *count = 0;
        *unwinder = C_MODE_UNWINDER_NONE;
    }
    pthread_mutex_unlock(&c_mode_blocked_lock);
    return result;
}

#else
int c_mode_capture_blocked_unsupported_platform(void) { return 0; }
#endif
