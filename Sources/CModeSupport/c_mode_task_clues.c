// Reads the current Swift task's identity, job flags and one task-local from a signal handler.
#include "c_mode_task_clues.h"

#include <stddef.h>
#include <string.h>

uintptr_t c_mode_current_swift_task(void);

// Exported by libswift_Concurrency with the Swift calling convention. Weak: the C target links without it.
extern __attribute__((swiftcall)) void *swift_task_localValueGet(const void *key) __attribute__((weak));

static const void *c_mode_scope_key;

void c_mode_task_clues_set_scope_key(const void *key) {
    __atomic_store_n(&c_mode_scope_key, key, __ATOMIC_RELEASE);
}

const void *c_mode_task_clues_scope_key(void) { return __atomic_load_n(&c_mode_scope_key, __ATOMIC_ACQUIRE); }

void c_mode_task_clues_read(c_mode_task_clues *out) {
    memset(out, 0, sizeof *out);
    uintptr_t task = c_mode_current_swift_task();
    out->task = task;
    if (task == 0) return;
    // SwiftJob: metadata, refCounts, schedulerPrivate[2], then the 32-bit flags (ExecutorImpl.h).
    out->flags = *(const uint32_t *)(task + 4 * sizeof(void *));
    const void *key = __atomic_load_n(&c_mode_scope_key, __ATOMIC_ACQUIRE);
    if (key == NULL || swift_task_localValueGet == NULL) return;
    // The stored value is an Optional<UInt64>: 8 payload bytes, then a tag byte (0 = some, 1 = none).
    const unsigned char *value = swift_task_localValueGet(key);
    if (value == NULL || value[8] != 0) return;
    uint64_t scope;
    memcpy(&scope, value, sizeof scope);
    out->scope = scope;
    out->has_scope = 1;
}
