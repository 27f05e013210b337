// Checked memory reads, the frame-pointer walk and the async-context walk (see c_mode_capture.h).
#ifdef __linux__
#ifndef _GNU_SOURCE
#error You must define _GNU_SOURCE
#endif
#include "c_mode_capture.h"
#include "c_mode_internal.h"
#include "c_mode_modules.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

// MARK: checked memory reads and the frame-pointer walk

int c_mode_read_words(uintptr_t address, uintptr_t out[2]) {
    struct iovec local = {out, 2 * sizeof(uintptr_t)};
    struct iovec remote = {(void *)address, 2 * sizeof(uintptr_t)};
    ssize_t n = syscall(SYS_process_vm_readv, (long)getpid(), &local, 1UL, &remote, 1UL, 0UL);
    if (n == (ssize_t)(2 * sizeof(uintptr_t))) return 1;
    if (n < 0 && (errno == ENOSYS || errno == EPERM)) {
        // Sandboxed without process_vm_readv: ask the kernel whether the page is mapped, then read.
        long page = sysconf(_SC_PAGESIZE);
        unsigned char vec[2];
        uintptr_t start = address & ~(uintptr_t)(page - 1);
        size_t span = (address + 2 * sizeof(uintptr_t) > start + (uintptr_t)page) ? (size_t)page * 2 : (size_t)page;
        if (mincore((void *)start, span, vec) != 0) return 0;
        memcpy(out, (const void *)address, 2 * sizeof(uintptr_t));
        return 1;
    }
    return 0;
}

int c_mode_unwind_frame_pointers(uintptr_t pc, uintptr_t fp, uintptr_t *frames, int max) {
    return c_mode_unwind_frame_pointers_fps(pc, fp, frames, NULL, max);
}

int c_mode_unwind_frame_pointers_fps(uintptr_t pc, uintptr_t fp, uintptr_t *frames, uintptr_t *fps, int max) {
    int saved_errno = errno;
    int n = 0;
    if (max <= 0) return 0;
    if (pc != 0) {
        if (fps != NULL) fps[n] = fp;
        frames[n++] = pc;
    }
    while (n < max && fp != 0 && (fp & (sizeof(uintptr_t) - 1)) == 0) {
        uintptr_t pair[2];
        if (!c_mode_read_words(fp, pair)) break;
        uintptr_t next = pair[0], ret = pair[1];
        if (ret < 4096) break;
        if (fps != NULL) fps[n] = next;  // the caller runs with the frame pointer it saved here
        frames[n++] = ret;
        if (next <= fp || next - fp > (64u << 20)) break;
        fp = next;
    }
    errno = saved_errno;
    return n;
}


// MARK: async callers

// Swift async functions keep their AsyncContext at [fp - 8]; an AsyncContext starts with Parent (the caller's
// context) and ResumeParent (the caller's continuation). Starting from the innermost frame whose [fp - 8]
// looks like a context (16-byte aligned, readable, ResumeParent inside a loaded module), follow Parent and
// record each ResumeParent. Every read is checked. The Swift side keeps the chain only when its first entry
// symbolicates as a resume/await continuation, which rejects a stray pointer that merely looked right.
int c_mode_walk_async_context(uintptr_t context, uintptr_t *out, int max, int *complete) {
    int n = 0;
    if (complete != NULL) *complete = 0;
    for (int depth = 0; context != 0 && (context & 15) == 0 && n < max && depth < 64; depth++) {
        uintptr_t head[2], bias = 0;
        const char *path = NULL;
        if (!c_mode_read_words(context, head)) return n;
        if (!c_mode_modules_lookup(head[1], &bias, &path)) return n;
        out[n++] = head[1];
        context = head[0];
    }
    if (complete != NULL) *complete = context == 0;
    return n;
}

int c_mode_walk_async(const uintptr_t *fps, int nfps, uintptr_t *out, int max, int *after_index) {
    uintptr_t previous = 0;
    for (int i = 0; i < nfps; i++) {
        uintptr_t fp = fps[i];
        if (fp == 0 || fp == previous || (fp & 7) != 0) continue;
        previous = fp;
        uintptr_t slot[2];
        if (!c_mode_read_words(fp - 8, slot)) continue;
        int n = c_mode_walk_async_context(slot[0], out, max, NULL);
        if (n > 0) {
            *after_index = i;
            return n;
        }
    }
    return 0;
}

#else
int c_mode_walk_unsupported_platform(void) { return 0; }
#endif
