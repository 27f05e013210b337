// libdispatch's main queue keeps the tid of the thread draining it in the low 30 bits of its state word
// (dq_state's dispatch_lock on Linux: DLOCK_OWNER_MASK). The word's offset is libdispatch's private layout, so it
// is found at run time from a job known to run on the main queue, and used only after the Swift side verified it
// (ModeDiagnostics' MainQueueOwner).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "c_mode_main_queue.h"

#include <dlfcn.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#define C_MODE_MAIN_QUEUE_WORDS 32  // the queue's first 128 bytes hold its header and state
#define C_MODE_DLOCK_OWNER_MASK 0x3fffffffu

static const uint32_t *c_mode_main_queue_words(void) {
    static const uint32_t *words;
    const uint32_t *found = __atomic_load_n(&words, __ATOMIC_ACQUIRE);
    if (found == NULL) {
        found = (const uint32_t *)dlsym(RTLD_DEFAULT, "_dispatch_main_q");
        __atomic_store_n(&words, found, __ATOMIC_RELEASE);
    }
    return found;
}

static int c_mode_owner_word = -1;

int c_mode_main_queue_find_owner_word(void) {
    const uint32_t *words = c_mode_main_queue_words();
    if (words == NULL) return -1;
    uint32_t tid = (uint32_t)syscall(SYS_gettid) & C_MODE_DLOCK_OWNER_MASK;
    int match = -2;
    for (int index = 0; index < C_MODE_MAIN_QUEUE_WORDS; index++) {
        if ((__atomic_load_n(&words[index], __ATOMIC_RELAXED) & C_MODE_DLOCK_OWNER_MASK) != tid) continue;
        if (match >= 0) return -2;  // ambiguous
        match = index;
    }
    return match;
}

void c_mode_main_queue_set_owner_word(int index) {
    __atomic_store_n(&c_mode_owner_word, index, __ATOMIC_RELEASE);
}

int32_t c_mode_main_queue_owner(void) {
    int index = __atomic_load_n(&c_mode_owner_word, __ATOMIC_ACQUIRE);
    const uint32_t *words = c_mode_main_queue_words();
    if (index < 0 || words == NULL) return 0;
    return (int32_t)(__atomic_load_n(&words[index], __ATOMIC_RELAXED) & C_MODE_DLOCK_OWNER_MASK);
}
