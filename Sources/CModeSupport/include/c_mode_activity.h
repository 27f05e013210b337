// Per-thread job activity slots, the task label table, and the Swift global-pool enqueue hooks.
//
// The stall watchdog needs, for every thread that runs Swift jobs, "which job is running here and since when".
// Each thread that runs jobs owns one slot in a fixed table. The owning thread is the only writer of its slot
// (a seqlock: `seq` is odd while the slot is being written); the watchdog and the crash handler only read.
// Every field is a plain integer accessed with __atomic builtins so that Swift can import the structs.
//
// Hot path: c_mode_activity_begin / c_mode_activity_end are `static inline` plain stores (no RMW, no fence on
// x86_64 beyond compiler ordering), called around every job by the instrumented executor and the hooks.
#pragma once

#include <stdint.h>
#include <time.h>

#include "c_mode_task_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Number of activity slots (threads that may run jobs at the same time).
#define C_MODE_ACTIVITY_SLOT_COUNT 1024
/// Capacity of the task label table (open addressing).
#define C_MODE_TASK_LABEL_CAPACITY 4096
/// Bytes per task label, including the terminating NUL.
#define C_MODE_TASK_LABEL_SIZE 192

/// Who drives a slot: the kind of executor the thread belongs to.
enum {
    C_MODE_ACTIVITY_KIND_UNKNOWN = 0,
    C_MODE_ACTIVITY_KIND_TASK_EXECUTOR = 1,  // InstrumentedTaskExecutor thread
    C_MODE_ACTIVITY_KIND_GLOBAL_POOL = 2,    // libdispatch thread running a global-pool job via the hook
};

/// One thread's activity. Written only by the owning thread; read by anyone.
typedef struct c_mode_activity_slot {
    int32_t tid;          // owning thread's kernel tid; 0 = free slot
    int32_t kind;         // C_MODE_ACTIVITY_KIND_*
    uint32_t depth;       // nesting depth of running jobs (only the outermost is timed)
    uint32_t reserved;
    uint64_t seq;         // seqlock counter: odd while writing; seq/2 = number of begin+end transitions
    uint64_t job;         // address of the running job (== the task's address for task jobs), 0 when idle
    uint64_t start_ns;    // CLOCK_MONOTONIC_COARSE ns when the running job started (see c_mode_activity_now_ns)
    uint64_t end_ns;      // CLOCK_MONOTONIC_COARSE ns when the last job ended
    uint64_t jobs_run;    // number of outermost jobs started on this thread
    uint64_t owner;       // opaque id of the executor that owns the thread (0 = none); keeps the slot 64 bytes
} c_mode_activity_slot;

/// A consistent copy of one slot.
typedef struct c_mode_activity_snapshot {
    int32_t tid;
    int32_t kind;
    uint64_t job;
    uint64_t start_ns;
    uint64_t end_ns;
    uint64_t jobs_run;
    uint64_t run_task;      // the task whose run is open on the thread (per-run accounting), 0 when none or unknown
    uint64_t run_start_ns;  // when that run began (same clock as start_ns)
} c_mode_activity_snapshot;

/// The task run open on each slot's thread, published by the per-run accounting (c_mode_task_runs.c): inside an
/// actor's job the slot's `job` is the actor's, this is the task. Written by the owning thread only.
typedef struct c_mode_activity_run {
    uint64_t task;      // 0 when no run is open
    uint64_t start_ns;
} c_mode_activity_run;

extern c_mode_activity_run c_mode_activity_runs[C_MODE_ACTIVITY_SLOT_COUNT];

/// The slot table (exposed for the inline functions; use the functions below).
extern c_mode_activity_slot c_mode_activity_slots[C_MODE_ACTIVITY_SLOT_COUNT];
/// The calling thread's slot, NULL until it first runs an instrumented job.
extern __thread c_mode_activity_slot *c_mode_activity_tls_slot;

/// Returns CLOCK_MONOTONIC in nanoseconds (async-signal-safe).
uint64_t c_mode_monotonic_ns(void);

/// The slots' time stamps: CLOCK_MONOTONIC_COARSE in nanoseconds. Measured on this machine: 7 ns per call against
/// 43 ns for CLOCK_MONOTONIC, i.e. 70 ns saved per job (two stamps) for a resolution of one kernel tick
/// (c_mode_activity_clock_resolution_ns, 4 ms here). The value is the monotonic clock at the last tick, so it
/// is <= CLOCK_MONOTONIC and > CLOCK_MONOTONIC - resolution.
static inline uint64_t c_mode_activity_now_ns(void) {
#ifdef CLOCK_MONOTONIC_COARSE
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
#else
    return c_mode_monotonic_ns();
#endif
}

/// Resolution of c_mode_activity_now_ns in nanoseconds.
uint64_t c_mode_activity_clock_resolution_ns(void);

/// Claims a slot for the calling thread (idempotent); NULL if the table is full. Slow path of begin.
/// The slot is released automatically when the thread exits.
c_mode_activity_slot *c_mode_activity_register_current_thread(int32_t kind);

/// Releases the calling thread's slot, if any (threads the library owns call it before exiting).
void c_mode_activity_unregister_current_thread(void);

static inline void c_mode_activity_write_(c_mode_activity_slot *slot, uint64_t job, uint64_t start, uint64_t end) {
    uint64_t seq = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->seq, seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    if (job != 0) {
        __atomic_store_n(&slot->start_ns, start, __ATOMIC_RELAXED);
        __atomic_store_n(&slot->jobs_run, __atomic_load_n(&slot->jobs_run, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
    } else {
        __atomic_store_n(&slot->end_ns, end, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&slot->job, job, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->seq, seq + 2, __ATOMIC_RELEASE);
}

/// Marks the start of `job` on the calling thread. Nested jobs (a job that runs another synchronously) keep the
/// outermost job's identity and start: the thread is held since the outer job started.
static inline void c_mode_activity_begin(uintptr_t job, int32_t kind) {
    c_mode_activity_slot *slot = c_mode_activity_tls_slot;
    if (__builtin_expect(slot == 0, 0)) {
        slot = c_mode_activity_register_current_thread(kind);
        if (slot == 0) return;
    }
    if (slot->depth++ != 0) return;
    uint64_t start = c_mode_activity_now_ns();
    c_mode_task_stats_job_started(job, start);
    c_mode_activity_write_(slot, job == 0 ? 1 : (uint64_t)job, start, 0);
}

/// Marks the end of the job started by the matching c_mode_activity_begin.
static inline void c_mode_activity_end(void) {
    c_mode_activity_slot *slot = c_mode_activity_tls_slot;
    if (slot == 0 || slot->depth == 0) return;
    if (--slot->depth != 0) return;
    uint64_t end = c_mode_activity_now_ns();
    // The owning thread is the slot's only writer: its own fields read back without the seqlock.
    c_mode_task_stats_job_ended(slot->start_ns, end);
    c_mode_activity_write_(slot, 0, 0, end);
}

/// Records the executor that owns the calling thread (claiming a slot if needed).
void c_mode_activity_set_owner(uint64_t owner, int32_t kind);

/// If the calling thread belongs to executor `owner` and is running `job` right now, returns 1: the job is
/// re-enqueueing itself (Task.yield, a hop back) and this thread takes the next job as soon as it returns.
static inline int c_mode_activity_is_self_enqueue(uint64_t owner, uintptr_t job) {
    c_mode_activity_slot *slot = c_mode_activity_tls_slot;
    return slot != 0 && slot->owner == owner && slot->depth == 1 && slot->job == (uint64_t)job;
}

/// Copies slot `index` consistently. Returns 1 when the slot is in use, 0 when free (snapshot untouched).
int c_mode_activity_snapshot_slot(int index, c_mode_activity_snapshot *out);

/// Copies every in-use slot into `out` (at most `capacity`); returns the number copied.
int c_mode_activity_snapshot_all(c_mode_activity_snapshot *out, int capacity);

/// The job/task address running on the calling thread, 0 if none. Async-signal-safe, lock-free.
uintptr_t c_mode_activity_current_job(void);

/// The job/task address running on thread `tid`, 0 if none or unknown. Async-signal-safe, lock-free.
uintptr_t c_mode_activity_job_for_thread(int32_t tid);

// MARK: task labels

/// Registers (or replaces) the label of `task` ("service/path task-name (file:line)", truncated to
/// C_MODE_TASK_LABEL_SIZE-1 bytes). Returns 0, or -1 when the table is full. Writers (register, unregister) must
/// be serialised by the caller (TaskAttributionTable holds its lock); readers (lookup) are lock-free and may run
/// at any time, also in a signal handler. Not for signal handlers.
int c_mode_task_label_register(uintptr_t task, const char *label);

/// Removes the label of `task`, if any.
void c_mode_task_label_unregister(uintptr_t task);

/// Copies the label registered for `task` into `buf` (NUL-terminated, truncated to buflen-1). Returns the
/// length copied, or -1 when none. Async-signal-safe, lock-free, no allocation.
int c_mode_task_label_lookup(uintptr_t task, char *buf, int buflen);

/// Number of labels currently registered.
int c_mode_task_label_count(void);

/// Number of removed entries still kept as probe-chain tombstones (a diagnostic for tests; scans the table).
int c_mode_task_label_tombstones(void);

// MARK: Swift concurrency enqueue hooks

/// Installs the global-pool enqueue hooks (immediate, delayed, deadline) with compare-and-swap. An existing
/// hook is chained: it still decides where a job goes, and the "original" it receives is our trampoline. Returns 0
/// on success (idempotent), -2 when unsupported (no libdispatch symbols, other OS/arch). Jobs are then run by
/// trampolines that record activity slots.
int c_mode_enqueue_hooks_install(void);

/// Removes the hooks installed by c_mode_enqueue_hooks_install (if they are still ours). Jobs already
/// enqueued through the trampolines still run.
void c_mode_enqueue_hooks_uninstall(void);

/// 1 when the global hook is installed by us.
int c_mode_enqueue_hooks_installed(void);

#ifdef __cplusplus
}
#endif
