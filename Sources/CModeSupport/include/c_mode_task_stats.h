// Per-task executor accounting: for each task the library tracks (the tasks of a Worker's registry, registered
// with their label), how many jobs it ran, how long they held a thread, how long they waited between enqueue and
// run, the longest job and when the last one ended.
//
// Written on the hot path by the thread that runs the job (c_mode_activity_begin/end; a task runs on one thread at a
// time, so each entry has one writer at a time) and by the thread that enqueues it (the enqueue time). Tracking
// is decided by writers serialised by the caller (TaskAttributionTable's lock). A job of an untracked task costs
// one load of a 16 KiB filter in the common case; a tracked one a bounded probe (at most
// C_MODE_TASK_STATS_PROBES keys, 8 bytes each) and plain stores.
//
// Times come from the activity slots' clock (CLOCK_MONOTONIC_COARSE, one kernel tick of resolution): a job
// shorter than a tick adds a tick or nothing depending on where the tick falls, so sums over many jobs are
// right on average and single short jobs are not measured (the longest job is known to a tick).
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Entries in the table (a power of two). Tasks beyond it are not accounted.
#define C_MODE_TASK_STATS_CAPACITY 8192
/// Keys looked at per lookup or insertion at most.
#define C_MODE_TASK_STATS_PROBES 16
/// Counters in the filter (a power of two).
#define C_MODE_TASK_STATS_FILTER_SIZE 16384

/// One task's figures (nanoseconds).
typedef struct c_mode_task_stats_entry {
    uint64_t jobs;
    uint64_t busy_ns;
    uint64_t scheduled_ns;
    uint64_t longest_ns;
    uint64_t last_end_ns;
    uint64_t enqueued_ns;  // set at enqueue, consumed when the job ends; 0 when not known
    uint64_t reserved[2];
} c_mode_task_stats_entry;

extern uint64_t c_mode_task_stats_keys[C_MODE_TASK_STATS_CAPACITY];
extern c_mode_task_stats_entry c_mode_task_stats_entries[C_MODE_TASK_STATS_CAPACITY];
extern uint8_t c_mode_task_stats_filter[C_MODE_TASK_STATS_FILTER_SIZE];

static inline uint32_t c_mode_task_stats_hash_(uintptr_t task) {
    return (uint32_t)(((uint64_t)task >> 4) * 0x9E3779B97F4A7C15ull >> 40);
}

/// The entry of `task` if it is tracked, else NULL. Lock-free.
static inline c_mode_task_stats_entry *c_mode_task_stats_find_(uintptr_t task) {
    uint32_t hash = c_mode_task_stats_hash_(task);
    if (__atomic_load_n(&c_mode_task_stats_filter[hash & (C_MODE_TASK_STATS_FILTER_SIZE - 1)], __ATOMIC_RELAXED) == 0)
        return 0;
    for (uint32_t probe = 0; probe < C_MODE_TASK_STATS_PROBES; probe++) {
        uint32_t index = (hash + probe) & (C_MODE_TASK_STATS_CAPACITY - 1);
        uint64_t key = __atomic_load_n(&c_mode_task_stats_keys[index], __ATOMIC_ACQUIRE);
        if (key == (uint64_t)task) return &c_mode_task_stats_entries[index];
        if (key == 0) return 0;
    }
    return 0;
}

/// Records that `task`'s job was enqueued at `now_ns` (c_mode_activity_now_ns), when the task is tracked.
static inline void c_mode_task_stats_enqueued(uintptr_t task, uint64_t now_ns) {
    c_mode_task_stats_entry *entry = c_mode_task_stats_find_(task);
    if (entry != 0) __atomic_store_n(&entry->enqueued_ns, now_ns, __ATOMIC_RELAXED);
}

/// Adds one job (or run) of the entry's task that held its thread from `start_ns` to `end_ns` (the entry's one
/// writer: the thread the task runs on).
static inline void c_mode_task_stats_add_job_(c_mode_task_stats_entry *entry, uint64_t start_ns, uint64_t end_ns) {
    uint64_t busy = end_ns > start_ns ? end_ns - start_ns : 0;
    __atomic_store_n(&entry->jobs, __atomic_load_n(&entry->jobs, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&entry->busy_ns, __atomic_load_n(&entry->busy_ns, __ATOMIC_RELAXED) + busy, __ATOMIC_RELAXED);
    if (busy > __atomic_load_n(&entry->longest_ns, __ATOMIC_RELAXED))
        __atomic_store_n(&entry->longest_ns, busy, __ATOMIC_RELAXED);
    __atomic_store_n(&entry->last_end_ns, end_ns, __ATOMIC_RELAXED);
}

/// The task starts running at `start_ns`: its wait since the last recorded enqueue, if any, is scheduled time.
static inline void c_mode_task_stats_take_wait_(c_mode_task_stats_entry *entry, uint64_t start_ns) {
    uint64_t enqueued = __atomic_exchange_n(&entry->enqueued_ns, 0, __ATOMIC_RELAXED);
    if (enqueued != 0 && enqueued <= start_ns)
        __atomic_store_n(&entry->scheduled_ns,
                         __atomic_load_n(&entry->scheduled_ns, __ATOMIC_RELAXED) + (start_ns - enqueued), __ATOMIC_RELAXED);
}

/// The entry of the job running on this thread (set by c_mode_task_stats_job_started), NULL when untracked.
extern __thread c_mode_task_stats_entry *c_mode_task_stats_current;

/// 1 while the task-run hooks (c_mode_task_runs_install) account tasks per run instead of per executor job.
extern int c_mode_task_runs_active;

/// The executor job on this thread ends at `end_ns`: the task run still open on it (a task that completed, or
/// the last task an actor's job ran) ends there. Used when c_mode_task_runs_active.
void c_mode_task_runs_job_ended(uint64_t end_ns);

/// A job of `task` starts at `start_ns` on this thread: its wait since the enqueue is added (an enqueue made while
/// it runs, a hop or a yield, is then the next job's), and its entry is kept for c_mode_task_stats_job_ended.
static inline void c_mode_task_stats_job_started(uintptr_t task, uint64_t start_ns) {
    if (__atomic_load_n(&c_mode_task_runs_active, __ATOMIC_RELAXED)) {  // counted per task run instead
        c_mode_task_stats_current = 0;
        return;
    }
    c_mode_task_stats_entry *entry = c_mode_task_stats_find_(task);
    c_mode_task_stats_current = entry;
    if (entry == 0) return;
    c_mode_task_stats_take_wait_(entry, start_ns);
}

/// The job started by c_mode_task_stats_job_started ends: it held its thread from `start_ns` to `end_ns`. (A task
/// that registers itself during this job was made current by c_mode_task_stats_track.)
static inline void c_mode_task_stats_job_ended(uint64_t start_ns, uint64_t end_ns) {
    // Per-run accounting: the run open on this thread ends with the job. A job that began before the runs were
    // counted (install happened during it), or in which a task registered itself before any run of it was seen,
    // is still counted as a job below.
    if (__atomic_load_n(&c_mode_task_runs_active, __ATOMIC_RELAXED)) c_mode_task_runs_job_ended(end_ns);
    c_mode_task_stats_entry *entry = c_mode_task_stats_current;
    if (entry == 0) return;
    c_mode_task_stats_current = 0;
    c_mode_task_stats_add_job_(entry, start_ns, end_ns);
}

/// Starts accounting `task` (figures from zero). Returns 0, or -1 when its probe window is full. Writers (track,
/// untrack) must be serialised by the caller.
int c_mode_task_stats_track(uintptr_t task);

/// Stops accounting `task`.
void c_mode_task_stats_untrack(uintptr_t task);

/// Copies `task`'s figures into `out`. Returns 1 when the task is tracked, 0 otherwise.
int c_mode_task_stats_read(uintptr_t task, c_mode_task_stats_entry *out);

/// Tasks tracked now.
int c_mode_task_stats_count(void);

// MARK: task runs

/// Counts tasks per *run* (from the moment a task starts running on a thread until it suspends) instead of per
/// executor job, so that a task whose work runs inside an actor's job (the runtime drains the actor's queue
/// of task jobs inside one job), on a service thread or on any executor is accounted too.
///
/// The concurrency runtime marks every task run: it calls libswiftCore's `swift_task_enterThreadLocalContext`
/// when a task starts or resumes running on a thread (runJobInEstablishedExecutorContext, and the fast paths of
/// continuation and future awaits) and `swift_task_exitThreadLocalContext` when it suspends (exclusivity
/// bookkeeping). Install redirects libswift_Concurrency.so's two PLT slots (GOT entries) for them to functions
/// that call the original first and then record the run. Not an official interface: the Swift side proves it with
/// a probe at start-up and uninstalls on failure.
///
/// Returns 0 on success (idempotent), -1 when libswift_Concurrency.so is not loaded, -2 when its relocations for
/// the two functions are not found, -3 when the originals cannot be resolved, -4 when a slot cannot be written.
int c_mode_task_runs_install(void);

/// Puts back the original slots if they still hold ours and stops per-run accounting.
void c_mode_task_runs_uninstall(void);

/// 1 when the slots are redirected to our functions.
int c_mode_task_runs_installed(void);

/// The task whose run is open on this thread (0 when none, or suspended): for the install probe.
uintptr_t c_mode_task_runs_current_task(void);

#ifdef __cplusplus
}
#endif
