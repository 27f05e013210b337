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

#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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

typedef struct {
    size_t module;
    size_t size;  // the module's TLS block size (PT_TLS p_memsz)
} c_mode_tls_module;

static int c_mode_find_concurrency_tls(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    if (info->dlpi_name == NULL || strstr(info->dlpi_name, "libswift_Concurrency") == NULL) return 0;
    c_mode_tls_module *found = data;
    found->module = info->dlpi_tls_modid;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type == PT_TLS) found->size = info->dlpi_phdr[i].p_memsz;
    }
    return 1;
}

static intptr_t c_mode_task_slot_offset = -1;

intptr_t c_mode_current_task_slot_offset(void) { return c_mode_task_slot_offset; }

int c_mode_current_task_thread_known(int32_t tid) { return c_mode_thread_pointer_of(tid) != 0; }

int c_mode_current_task_calibrate(uintptr_t task) {
    if (task == 0) return 0;
    c_mode_tls_module module = {0, 0};
    dl_iterate_phdr(c_mode_find_concurrency_tls, &module);
    if (module.module == 0 || module.size == 0) return 0;
    c_mode_tls_index index = {module.module, 0};
    uintptr_t block = (uintptr_t)__tls_get_addr(&index);
    if (block == 0) return 0;
    uintptr_t tp = (uintptr_t)pthread_self();
    // Only inside the runtime's own TLS block (Swift 6.3: ActiveTask::Value at 8 of 32 bytes): a match beyond it
    // would be another library's thread-local that merely held the same value once.
    for (uintptr_t offset = 0; offset + sizeof(uintptr_t) <= module.size; offset += sizeof(uintptr_t)) {
        if (*(const uintptr_t *)(block + offset) == task) {
            __atomic_store_n(&c_mode_task_slot_delta, (intptr_t)(block + offset) - (intptr_t)tp, __ATOMIC_RELEASE);
            c_mode_task_slot_offset = (intptr_t)offset;
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

// The "SP PC" tail of /proc/self/task/TID/syscall for a thread blocked in a system call; 0 when it runs.
static int c_mode_blocked_in(int32_t tid, uintptr_t *sp, uintptr_t *pc) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char text[256];
    ssize_t count = read(fd, text, sizeof text - 1);
    close(fd);
    if (count <= 0) return 0;
    text[count] = 0;
    if (strncmp(text, "running", 7) == 0) return 0;
    char *fields[16];
    int found = 0;
    char *cursor = NULL;
    for (char *token = strtok_r(text, " \n", &cursor); token != NULL && found < 16;
         token = strtok_r(NULL, " \n", &cursor)) {
        fields[found++] = token;
    }
    if (found < 3) return 0;
    *sp = (uintptr_t)strtoull(fields[found - 2], NULL, 16);
    *pc = (uintptr_t)strtoull(fields[found - 1], NULL, 16);
    return 1;
}

uintptr_t c_mode_current_task_of_blocked(int32_t tid) {
    // A thread blocking in a loop of short sleeps can be caught between two of them: try a few times, 200 us
    // apart (this runs on the watchdog's reporting path, never on the observed thread).
    for (int attempt = 0; attempt < 10; attempt++) {
        if (attempt > 0) usleep(200);
        uintptr_t sp1 = 0, pc1 = 0, sp2 = 0, pc2 = 0;
        if (!c_mode_blocked_in(tid, &sp1, &pc1)) continue;
        uintptr_t task = c_mode_current_task_of(tid, 0);
        if (task == 0) return 0;
        if (!c_mode_blocked_in(tid, &sp2, &pc2)) continue;
        // The same system call, entered from the same place, before and after the read: the task read is the
        // one that blocks there now.
        if (sp1 == sp2 && pc1 == pc2) return task;
    }
    return 0;
}
