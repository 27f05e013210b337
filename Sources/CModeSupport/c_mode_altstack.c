// Alternate signal stacks (see c_mode_capture.h).
#ifdef __linux__
#ifndef _GNU_SOURCE
#error You must define _GNU_SOURCE
#endif
#include "c_mode_capture.h"
#include "c_mode_internal.h"

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

// MARK: alternate signal stacks

#define C_MODE_ALTSTACK_SIZE (64 * 1024)

static __thread __attribute__((tls_model("initial-exec"))) int c_mode_altstack_state;  // 0 unknown, 1 present
static pthread_key_t c_mode_altstack_key;
static pthread_once_t c_mode_altstack_once = PTHREAD_ONCE_INIT;

static void c_mode_altstack_release(void *mapping) {
    stack_t disable = {.ss_flags = SS_DISABLE};
    sigaltstack(&disable, NULL);
    munmap(mapping, C_MODE_ALTSTACK_SIZE + (size_t)sysconf(_SC_PAGESIZE));
}

static void c_mode_altstack_make_key(void) { pthread_key_create(&c_mode_altstack_key, c_mode_altstack_release); }

// Async-signal-safe part: mmap + mprotect + sigaltstack are plain system calls.
void *c_mode_altstack_map_and_set(void) {
    stack_t current;
    if (sigaltstack(NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE) && current.ss_size >= 16 * 1024) {
        c_mode_altstack_state = 1;  // someone (the Swift runtime on the main thread) already gave it one
        return NULL;
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *mapping = mmap(NULL, C_MODE_ALTSTACK_SIZE + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) return NULL;
    mprotect(mapping, page, PROT_NONE);  // guard page below the stack
    stack_t stack = {.ss_sp = (char *)mapping + page, .ss_size = C_MODE_ALTSTACK_SIZE, .ss_flags = 0};
    if (sigaltstack(&stack, NULL) != 0) {
        munmap(mapping, C_MODE_ALTSTACK_SIZE + page);
        return NULL;
    }
    c_mode_altstack_state = 1;
    return mapping;
}

int c_mode_altstack_install_current(void) {
    if (c_mode_altstack_state == 1) return 0;
    pthread_once(&c_mode_altstack_once, c_mode_altstack_make_key);
    void *mapping = c_mode_altstack_map_and_set();
    if (mapping != NULL) pthread_setspecific(c_mode_altstack_key, mapping);  // unmapped at thread exit
    return c_mode_altstack_state == 1 ? 0 : -1;
}

int c_mode_altstack_ready(void) { return c_mode_altstack_state == 1; }

int c_mode_altstack_present(void) {
    stack_t current;
    return sigaltstack(NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE);
}

#else
int c_mode_altstack_unsupported_platform(void) { return 0; }
#endif
