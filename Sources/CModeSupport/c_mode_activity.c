// Per-thread job activity slots and the task label table (the global-pool enqueue hooks are in
// c_mode_enqueue_hooks.c). See include/c_mode_activity.h for the contracts.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "c_mode_activity.h"
#include "c_mode_current_task.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __linux__
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

_Static_assert(sizeof(c_mode_activity_slot) == 64, "one slot per cache line");

c_mode_activity_slot c_mode_activity_slots[C_MODE_ACTIVITY_SLOT_COUNT] __attribute__((aligned(64)));
c_mode_activity_run c_mode_activity_runs[C_MODE_ACTIVITY_SLOT_COUNT];
__thread c_mode_activity_slot *c_mode_activity_tls_slot;

uint64_t c_mode_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t c_mode_activity_clock_resolution_ns(void) {
#ifdef CLOCK_MONOTONIC_COARSE
    struct timespec ts;
    if (clock_getres(CLOCK_MONOTONIC_COARSE, &ts) == 0) {
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    }
#endif
    return 1;
}

// MARK: slots

static pthread_key_t c_mode_activity_key;
static pthread_once_t c_mode_activity_key_once = PTHREAD_ONCE_INIT;

static void c_mode_activity_release(c_mode_activity_slot *slot) {
    // Leave the slot idle, then free it: a reader that still holds its index sees tid 0 and skips it.
    __atomic_store_n(&slot->job, 0, __ATOMIC_RELAXED);
    slot->depth = 0;
    slot->owner = 0;
    __atomic_store_n(&slot->tid, 0, __ATOMIC_RELEASE);
}

static void c_mode_activity_thread_exit(void *value) {
    c_mode_activity_slot *slot = (c_mode_activity_slot *)value;
    if (slot != NULL) c_mode_activity_release(slot);
}

static void c_mode_activity_make_key(void) {
    pthread_key_create(&c_mode_activity_key, c_mode_activity_thread_exit);
}

c_mode_activity_slot *c_mode_activity_register_current_thread(int32_t kind) {
    c_mode_activity_slot *existing = c_mode_activity_tls_slot;
    if (existing != NULL) return existing;
    c_mode_note_current_thread();  // lets a stall report read this thread's current task (c_mode_current_task.c)
    pthread_once(&c_mode_activity_key_once, c_mode_activity_make_key);
    int32_t tid = (int32_t)syscall(SYS_gettid);
    for (int i = 0; i < C_MODE_ACTIVITY_SLOT_COUNT; i++) {
        c_mode_activity_slot *slot = &c_mode_activity_slots[i];
        int32_t expected = 0;
        if (__atomic_load_n(&slot->tid, __ATOMIC_RELAXED) != 0) continue;
        if (!__atomic_compare_exchange_n(&slot->tid, &expected, -1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) continue;
        // Claimed (tid -1 = being initialised): reset the fields, then publish the tid.
        slot->kind = kind;
        slot->depth = 0;
        __atomic_store_n(&slot->job, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&slot->start_ns, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&slot->end_ns, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&slot->jobs_run, 0, __ATOMIC_RELAXED);
        slot->owner = 0;
        __atomic_store_n(&slot->tid, tid, __ATOMIC_RELEASE);
        c_mode_activity_tls_slot = slot;
        pthread_setspecific(c_mode_activity_key, slot);
        return slot;
    }
    return NULL;
}

void c_mode_activity_set_owner(uint64_t owner, int32_t kind) {
    c_mode_activity_slot *slot = c_mode_activity_register_current_thread(kind);
    if (slot != NULL) slot->owner = owner;
}

void c_mode_activity_unregister_current_thread(void) {
    c_mode_activity_slot *slot = c_mode_activity_tls_slot;
    if (slot == NULL) return;
    c_mode_activity_tls_slot = NULL;
    pthread_once(&c_mode_activity_key_once, c_mode_activity_make_key);
    pthread_setspecific(c_mode_activity_key, NULL);
    c_mode_activity_release(slot);
}

int c_mode_activity_snapshot_slot(int index, c_mode_activity_snapshot *out) {
    if (index < 0 || index >= C_MODE_ACTIVITY_SLOT_COUNT || out == NULL) return 0;
    c_mode_activity_slot *slot = &c_mode_activity_slots[index];
    for (int attempt = 0; attempt < 64; attempt++) {
        int32_t tid = __atomic_load_n(&slot->tid, __ATOMIC_ACQUIRE);
        if (tid <= 0) return 0;
        uint64_t seq1 = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);
        if (seq1 & 1) continue;
        c_mode_activity_snapshot copy;
        copy.tid = tid;
        copy.kind = __atomic_load_n(&slot->kind, __ATOMIC_RELAXED);
        copy.job = __atomic_load_n(&slot->job, __ATOMIC_RELAXED);
        copy.start_ns = __atomic_load_n(&slot->start_ns, __ATOMIC_RELAXED);
        copy.end_ns = __atomic_load_n(&slot->end_ns, __ATOMIC_RELAXED);
        copy.jobs_run = __atomic_load_n(&slot->jobs_run, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        uint64_t seq2 = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
        if (seq1 != seq2) continue;
        if (__atomic_load_n(&slot->tid, __ATOMIC_RELAXED) != tid) return 0;
        // The open run is published outside the seqlock: a task read twice around its start is consistent.
        c_mode_activity_run *run = &c_mode_activity_runs[index];
        uint64_t task = __atomic_load_n(&run->task, __ATOMIC_ACQUIRE);
        copy.run_start_ns = __atomic_load_n(&run->start_ns, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        copy.run_task = __atomic_load_n(&run->task, __ATOMIC_RELAXED) == task ? task : 0;
        *out = copy;
        return 1;
    }
    return 0;
}

int c_mode_activity_snapshot_all(c_mode_activity_snapshot *out, int capacity) {
    int count = 0;
    for (int i = 0; i < C_MODE_ACTIVITY_SLOT_COUNT && count < capacity; i++) {
        if (__atomic_load_n(&c_mode_activity_slots[i].tid, __ATOMIC_RELAXED) <= 0) continue;
        if (c_mode_activity_snapshot_slot(i, &out[count])) count++;
    }
    return count;
}

uintptr_t c_mode_activity_current_job(void) {
    c_mode_activity_slot *slot = c_mode_activity_tls_slot;
    if (slot == NULL) return 0;
    uint64_t job = __atomic_load_n(&slot->job, __ATOMIC_RELAXED);
    return job == 1 ? 0 : (uintptr_t)job;
}

uintptr_t c_mode_activity_job_for_thread(int32_t tid) {
    if (tid <= 0) return 0;
    for (int i = 0; i < C_MODE_ACTIVITY_SLOT_COUNT; i++) {
        c_mode_activity_slot *slot = &c_mode_activity_slots[i];
        if (__atomic_load_n(&slot->tid, __ATOMIC_ACQUIRE) != tid) continue;
        uint64_t job = __atomic_load_n(&slot->job, __ATOMIC_RELAXED);
        return job == 1 ? 0 : (uintptr_t)job;
    }
    return 0;
}

// MARK: task labels
//
// Open addressing with linear probing. Each entry is a small seqlock: `gen` is odd while the entry is written.
// Keys: 0 = never used (ends a probe), 1 = claimed by a writer, 2 = tombstone (removed; probing continues).

enum { C_MODE_KEY_EMPTY = 0, C_MODE_KEY_CLAIMED = 1, C_MODE_KEY_TOMBSTONE = 2 };

typedef struct c_mode_task_label_entry {
    uint64_t key;
    uint64_t gen;
    char label[C_MODE_TASK_LABEL_SIZE];
} c_mode_task_label_entry;

static c_mode_task_label_entry c_mode_task_labels[C_MODE_TASK_LABEL_CAPACITY];
static int c_mode_task_label_population;

static inline uint64_t c_mode_hash(uintptr_t key) {
    uint64_t x = (uint64_t)key;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static void c_mode_task_label_write(c_mode_task_label_entry *entry, uintptr_t task, const char *label) {
    uint64_t gen = __atomic_load_n(&entry->gen, __ATOMIC_RELAXED);
    __atomic_store_n(&entry->gen, gen + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    size_t length = label == NULL ? 0 : strnlen(label, C_MODE_TASK_LABEL_SIZE - 1);
    for (size_t i = 0; i < length; i++) __atomic_store_n(&entry->label[i], label[i], __ATOMIC_RELAXED);
    __atomic_store_n(&entry->label[length], '\0', __ATOMIC_RELAXED);
    __atomic_store_n(&entry->key, (uint64_t)task, __ATOMIC_RELAXED);
    __atomic_store_n(&entry->gen, gen + 2, __ATOMIC_RELEASE);
}

static c_mode_task_label_entry *c_mode_task_label_find(uintptr_t task) {
    uint64_t start = c_mode_hash(task) % C_MODE_TASK_LABEL_CAPACITY;
    for (uint64_t probe = 0; probe < C_MODE_TASK_LABEL_CAPACITY; probe++) {
        c_mode_task_label_entry *entry = &c_mode_task_labels[(start + probe) % C_MODE_TASK_LABEL_CAPACITY];
        uint64_t key = __atomic_load_n(&entry->key, __ATOMIC_ACQUIRE);
        if (key == (uint64_t)task) return entry;
        if (key == C_MODE_KEY_EMPTY) return NULL;
    }
    return NULL;
}

int c_mode_task_label_register(uintptr_t task, const char *label) {
    if (task <= C_MODE_KEY_TOMBSTONE) return -1;
    c_mode_task_label_entry *found = c_mode_task_label_find(task);
    if (found != NULL) {
        c_mode_task_label_write(found, task, label);
        return 0;
    }
    uint64_t start = c_mode_hash(task) % C_MODE_TASK_LABEL_CAPACITY;
    for (uint64_t probe = 0; probe < C_MODE_TASK_LABEL_CAPACITY; probe++) {
        c_mode_task_label_entry *entry = &c_mode_task_labels[(start + probe) % C_MODE_TASK_LABEL_CAPACITY];
        uint64_t key = __atomic_load_n(&entry->key, __ATOMIC_RELAXED);
        if (key != C_MODE_KEY_EMPTY && key != C_MODE_KEY_TOMBSTONE) continue;
        if (!__atomic_compare_exchange_n(&entry->key, &key, C_MODE_KEY_CLAIMED, 0, __ATOMIC_ACQUIRE,
                                         __ATOMIC_RELAXED)) {
            continue;
        }
        c_mode_task_label_write(entry, task, label);
        __atomic_add_fetch(&c_mode_task_label_population, 1, __ATOMIC_RELAXED);
        return 0;
    }
    return -1;
}

void c_mode_task_label_unregister(uintptr_t task) {
    if (task <= C_MODE_KEY_TOMBSTONE) return;
    c_mode_task_label_entry *entry = c_mode_task_label_find(task);
    if (entry == NULL) return;
    uint64_t expected = (uint64_t)task;
    if (!__atomic_compare_exchange_n(&entry->key, &expected, C_MODE_KEY_CLAIMED, 0, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED)) {
        return;
    }
    uint64_t gen = __atomic_load_n(&entry->gen, __ATOMIC_RELAXED);
    __atomic_store_n(&entry->gen, gen + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&entry->label[0], '\0', __ATOMIC_RELAXED);
    __atomic_store_n(&entry->key, C_MODE_KEY_TOMBSTONE, __ATOMIC_RELAXED);
    __atomic_store_n(&entry->gen, gen + 2, __ATOMIC_RELEASE);
    __atomic_sub_fetch(&c_mode_task_label_population, 1, __ATOMIC_RELAXED);

    // Without cleanup, churn (millions of short tasks) turns every entry into a tombstone and each miss probes
    // the whole table. A tombstone followed by an EMPTY entry ends no probe chain that matters (a lookup that
    // reaches it would stop at the EMPTY one anyway), so it becomes EMPTY, and so on backwards. Safe for
    // readers; requires serialised writers (TaskAttributionTable calls register/unregister under its lock).
    uint64_t index = (uint64_t)(entry - c_mode_task_labels);
    for (int steps = 0; steps < C_MODE_TASK_LABEL_CAPACITY; steps++) {
        c_mode_task_label_entry *next = &c_mode_task_labels[(index + 1) % C_MODE_TASK_LABEL_CAPACITY];
        c_mode_task_label_entry *current = &c_mode_task_labels[index];
        if (__atomic_load_n(&next->key, __ATOMIC_ACQUIRE) != C_MODE_KEY_EMPTY) break;
        uint64_t tombstone = C_MODE_KEY_TOMBSTONE;
        if (!__atomic_compare_exchange_n(&current->key, &tombstone, C_MODE_KEY_EMPTY, 0, __ATOMIC_ACQ_REL,
                                         __ATOMIC_RELAXED)) {
            break;
        }
        index = (index + C_MODE_TASK_LABEL_CAPACITY - 1) % C_MODE_TASK_LABEL_CAPACITY;
    }
}

int c_mode_task_label_lookup(uintptr_t task, char *buf, int buflen) {
    if (task <= C_MODE_KEY_TOMBSTONE || buf == NULL || buflen <= 0) return -1;
    c_mode_task_label_entry *entry = c_mode_task_label_find(task);
    if (entry == NULL) return -1;
    for (int attempt = 0; attempt < 16; attempt++) {
        uint64_t gen1 = __atomic_load_n(&entry->gen, __ATOMIC_ACQUIRE);
        if (gen1 & 1) continue;
        if (__atomic_load_n(&entry->key, __ATOMIC_RELAXED) != (uint64_t)task) return -1;
        int length = 0;
        while (length < buflen - 1 && length < C_MODE_TASK_LABEL_SIZE - 1) {
            char c = __atomic_load_n(&entry->label[length], __ATOMIC_RELAXED);
            if (c == '\0') break;
            buf[length++] = c;
        }
        buf[length] = '\0';
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&entry->gen, __ATOMIC_RELAXED) == gen1 &&
            __atomic_load_n(&entry->key, __ATOMIC_RELAXED) == (uint64_t)task) {
            return length;
        }
    }
    return -1;
}

int c_mode_task_label_count(void) { return __atomic_load_n(&c_mode_task_label_population, __ATOMIC_RELAXED); }

int c_mode_task_label_tombstones(void) {
    int count = 0;
    for (int i = 0; i < C_MODE_TASK_LABEL_CAPACITY; i++) {
        if (__atomic_load_n(&c_mode_task_labels[i].key, __ATOMIC_RELAXED) == C_MODE_KEY_TOMBSTONE) count++;
    }
    return count;
}


#else  // !__linux__
uint64_t c_mode_activity_clock_resolution_ns(void) { return 1; }
void c_mode_activity_set_owner(uint64_t owner, int32_t kind) { (void)owner; (void)kind; }
uint64_t c_mode_monotonic_ns(void) { return 0; }
c_mode_activity_slot *c_mode_activity_register_current_thread(int32_t kind) { (void)kind; return 0; }

void c_mode_activity_unregister_current_thread(void) {}
int c_mode_activity_snapshot_slot(int index, c_mode_activity_snapshot *out) { (void)index; (void)out; return 0; }
int c_mode_activity_snapshot_all(c_mode_activity_snapshot *out, int capacity) { (void)out; (void)capacity; return 0; }
uintptr_t c_mode_activity_current_job(void) { return 0; }
uintptr_t c_mode_activity_job_for_thread(int32_t tid) { (void)tid; return 0; }
int c_mode_task_label_register(uintptr_t task, const char *label) { (void)task; (void)label; return -1; }
void c_mode_task_label_unregister(uintptr_t task) { (void)task; }
int c_mode_task_label_lookup(uintptr_t task, char *buf, int buflen) { (void)task; (void)buf; (void)buflen; return -1; }
int c_mode_task_label_count(void) { return 0; }
int c_mode_task_label_tombstones(void) { return 0; }
#endif  // __linux__
