// The runtime keeps the running task in a thread-local of libswift_Concurrency (`ActiveTask::Value`). A library
// loaded with the program lives in the static TLS area, at a fixed distance from each thread's thread pointer
// (x86_64: variant II, below the TCB that pthread_self() returns). The distance is learnt from a task running
// on the calling thread and verified on other threads (ModeDiagnostics' CurrentTaskReader) before it is used;
// every read of another thread's copy goes through c_mode_read_words (process_vm_readv: never faults).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "c_mode_current_task.h"
#include "c_mode_internal.h"

#include <link.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define C_MODE_THREAD_TABLE 1024  // open addressing by tid; a stale entry only makes a read fail validation

typedef struct {
    int32_t tid;
    uintptr_t thread_pointer;
} c_mode_thread_entry;

static c_mode_thread_entry c_mode_threads[C_MODE_THREAD_TABLE];
static __thread int c_mode_thread_noted;

void c_mode_note_current_thread(void) {
    if (c_mode_thread_noted) return;
    c_mode_thread_noted = 1;
    int32_t tid = (int32_t)syscall(SYS_gettid);
    uintptr_t tp = (uintptr_t)pthread_self();
    for (int probe = 0; probe < C_MODE_THREAD_TABLE; probe++) {
        c_mode_thread_entry *entry = &c_mode_threads[((uint32_t)tid + (uint32_t)probe) % C_MODE_THREAD_TABLE];
        int32_t current = __atomic_load_n(&entry->tid, __ATOMIC_ACQUIRE);
        if (current == tid) {  // a reused tid: the new thread's pointer replaces the old one
            __atomic_store_n(&entry->thread_pointer, tp, __ATOMIC_RELEASE);
            return;
        }
        if (current != 0) continue;
        int32_t expected = 0;
        if (__atomic_compare_exchange_n(&entry->tid, &expected, -tid, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
            __atomic_store_n(&entry->thread_pointer, tp, __ATOMIC_RELEASE);
            __atomic_store_n(&entry->tid, tid, __ATOMIC_RELEASE);
            return;
        }
    }
}

static uintptr_t c_mode_thread_pointer_of(int32_t tid) {
    for (int probe = 0; probe < C_MODE_THREAD_TABLE; probe++) {
        c_mode_thread_entry *entry = &c_mode_threads[((uint32_t)tid + (uint32_t)probe) % C_MODE_THREAD_TABLE];
        int32_t current = __atomic_load_n(&entry->tid, __ATOMIC_ACQUIRE);
        if (current == tid) return __atomic_load_n(&entry->thread_pointer, __ATOMIC_ACQUIRE);
        if (current == 0) return 0;
    }
    return 0;
}

// Distance from the thread pointer to the runtime's current-task slot; 0 = not learnt.
static intptr_t c_mode_task_slot_delta;
static int c_mode_task_slot_enabled;

typedef struct {
    size_t module;
    size_t offset;
} c_mode_tls_index;
extern void *__tls_get_addr(c_mode_tls_index *);

static int c_mode_find_concurrency_tls(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    if (info->dlpi_name == NULL || strstr(info->dlpi_name, "libswift_Concurrency") == NULL) return 0;
    *(size_t *)data = info->dlpi_tls_modid;
    return 1;
}

int c_mode_current_task_calibrate(uintptr_t task) {
    if (task == 0) return 0;
    size_t module = 0;
    dl_iterate_phdr(c_mode_find_concurrency_tls, &module);
    if (module == 0) return 0;
    c_mode_tls_index index = {module, 0};
    uintptr_t block = (uintptr_t)__tls_get_addr(&index);
    if (block == 0) return 0;
    uintptr_t tp = (uintptr_t)pthread_self();
    // The runtime's TLS block is 32 bytes (ActiveTask::Value at 8 in Swift 6.3); find the word holding the task.
    for (uintptr_t offset = 0; offset < 64; offset += sizeof(uintptr_t)) {
        if (*(const uintptr_t *)(block + offset) == task) {
            __atomic_store_n(&c_mode_task_slot_delta, (intptr_t)(block + offset) - (intptr_t)tp, __ATOMIC_RELEASE);
            return 1;
        }
    }
    return 0;
}

void c_mode_current_task_enable(int enabled) {
    __atomic_store_n(&c_mode_task_slot_enabled, enabled, __ATOMIC_RELEASE);
}

uintptr_t c_mode_current_task_of(int32_t tid, int checked) {
    if (!checked && !__atomic_load_n(&c_mode_task_slot_enabled, __ATOMIC_ACQUIRE)) return 0;
    intptr_t delta = __atomic_load_n(&c_mode_task_slot_delta, __ATOMIC_ACQUIRE);
    uintptr_t tp = c_mode_thread_pointer_of(tid);
    if (delta == 0 || tp == 0) return 0;
    uintptr_t words[2];
    if (!c_mode_read_words((uintptr_t)((intptr_t)tp + delta), words)) return 0;
    return words[0];
}
