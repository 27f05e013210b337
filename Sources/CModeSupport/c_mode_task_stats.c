// Per-task executor accounting (see c_mode_task_stats.h).
#include "c_mode_task_stats.h"
#include "c_mode_activity.h"

#include <string.h>

// In c_mode_task_runs.c: makes `entry` the open run's when `task` runs on this thread; 1 when it did.
int c_mode_task_runs_adopt_(uintptr_t task, c_mode_task_stats_entry *entry);

// Key values: 0 = never used (ends a probe), 1 = removed (a lookup goes on past it), else the task's address.
#define C_MODE_STATS_KEY_REMOVED 1ull

uint64_t c_mode_task_stats_keys[C_MODE_TASK_STATS_CAPACITY];
c_mode_task_stats_entry c_mode_task_stats_entries[C_MODE_TASK_STATS_CAPACITY];
uint8_t c_mode_task_stats_filter[C_MODE_TASK_STATS_FILTER_SIZE];
__thread c_mode_task_stats_entry *c_mode_task_stats_current;
static int c_mode_task_stats_population;

static void c_mode_task_stats_zero_(c_mode_task_stats_entry *entry) {
    __atomic_store_n(&entry->jobs, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&entry->busy_ns, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&entry->scheduled_ns, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&entry->longest_ns, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&entry->last_end_ns, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&entry->enqueued_ns, 0, __ATOMIC_RELAXED);
}

// A task registers itself from its own job (when it starts, when a scope opens in it): that job began untracked,
// so it becomes the thread's current entry here and is counted when it ends.
static void c_mode_task_stats_adopt_running_(uintptr_t task, c_mode_task_stats_entry *entry) {
    if (c_mode_task_runs_adopt_(task, entry)) return;
    if (c_mode_activity_current_job() == task) c_mode_task_stats_current = entry;
}

int c_mode_task_stats_track(uintptr_t task) {
    if (task <= C_MODE_STATS_KEY_REMOVED) return -1;
    uint32_t hash = c_mode_task_stats_hash_(task);
    int64_t reuse = -1;
    for (uint32_t probe = 0; probe < C_MODE_TASK_STATS_PROBES; probe++) {
        uint32_t index = (hash + probe) & (C_MODE_TASK_STATS_CAPACITY - 1);
        uint64_t key = __atomic_load_n(&c_mode_task_stats_keys[index], __ATOMIC_RELAXED);
        // Already tracked: the same Swift task registered again (a scope opened or closed inside it). Its
        // figures go on; a task that ended was untracked, so a reused address starts from zero.
        if (key == (uint64_t)task) {
            c_mode_task_stats_adopt_running_(task, &c_mode_task_stats_entries[index]);
            return 0;
        }
        if (key == C_MODE_STATS_KEY_REMOVED && reuse < 0) reuse = index;
        if (key == 0) {
            if (reuse < 0) reuse = index;
            break;
        }
    }
    if (reuse < 0) return -1;
    uint8_t *counter = &c_mode_task_stats_filter[hash & (C_MODE_TASK_STATS_FILTER_SIZE - 1)];
    if (__atomic_load_n(counter, __ATOMIC_RELAXED) == UINT8_MAX) return -1;  // never wraps to "none here"
    c_mode_task_stats_zero_(&c_mode_task_stats_entries[reuse]);
    // The filter first, then the key (release): a reader that sees the key sees zeroed figures.
    __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&c_mode_task_stats_keys[reuse], (uint64_t)task, __ATOMIC_RELEASE);
    __atomic_add_fetch(&c_mode_task_stats_population, 1, __ATOMIC_RELAXED);
    c_mode_task_stats_adopt_running_(task, &c_mode_task_stats_entries[reuse]);
    return 0;
}

void c_mode_task_stats_untrack(uintptr_t task) {
    uint32_t hash = c_mode_task_stats_hash_(task);
    for (uint32_t probe = 0; probe < C_MODE_TASK_STATS_PROBES; probe++) {
        uint32_t index = (hash + probe) & (C_MODE_TASK_STATS_CAPACITY - 1);
        uint64_t key = __atomic_load_n(&c_mode_task_stats_keys[index], __ATOMIC_RELAXED);
        if (key == 0) return;
        if (key != (uint64_t)task) continue;
        __atomic_store_n(&c_mode_task_stats_keys[index], C_MODE_STATS_KEY_REMOVED, __ATOMIC_RELEASE);
        __atomic_sub_fetch(&c_mode_task_stats_filter[hash & (C_MODE_TASK_STATS_FILTER_SIZE - 1)], 1, __ATOMIC_RELAXED);
        __atomic_sub_fetch(&c_mode_task_stats_population, 1, __ATOMIC_RELAXED);
        return;
    }
}

int c_mode_task_stats_read(uintptr_t task, c_mode_task_stats_entry *out) {
    c_mode_task_stats_entry *entry = c_mode_task_stats_find_(task);
    if (entry == 0) return 0;
    out->jobs = __atomic_load_n(&entry->jobs, __ATOMIC_RELAXED);
    out->busy_ns = __atomic_load_n(&entry->busy_ns, __ATOMIC_RELAXED);
    out->scheduled_ns = __atomic_load_n(&entry->scheduled_ns, __ATOMIC_RELAXED);
    out->longest_ns = __atomic_load_n(&entry->longest_ns, __ATOMIC_RELAXED);
    out->last_end_ns = __atomic_load_n(&entry->last_end_ns, __ATOMIC_RELAXED);
    out->enqueued_ns = __atomic_load_n(&entry->enqueued_ns, __ATOMIC_RELAXED);
    out->reserved[0] = out->reserved[1] = 0;
    return 1;
}

int c_mode_task_stats_count(void) { return __atomic_load_n(&c_mode_task_stats_population, __ATOMIC_RELAXED); }
