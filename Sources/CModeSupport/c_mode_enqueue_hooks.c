// Swift concurrency enqueue hooks: per-job timing for jobs of the global concurrent executor (split from
// c_mode_activity.c, whose per-thread slots these hooks write).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "c_mode_activity.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __linux__
#include <pthread.h>
#include <time.h>
#include <unistd.h>

// MARK: Swift concurrency enqueue hooks
//
// The runtime calls swift_task_enqueueGlobal_hook(job, original) for every job sent to the global concurrent
// executor (and the WithDelay/WithDeadline hooks for Task.sleep resumptions). MainActor jobs are not covered: in
// Swift 6.3 the MainActor's executor enqueues on the main queue itself without consulting
// swift_task_enqueueMainExecutor_hook (measured: MainActor hops never reach that hook). The hook only sees the
// ENQUEUE; to time the RUN we enqueue the job ourselves on a libdispatch queue equivalent to the runtime's
// (a concurrent queue per priority, width = logical CPUs, exactly as DispatchGlobalExecutor.cpp creates it on
// Linux) with a trampoline that records the slot around swift_job_run(job, generic executor).

#if defined(__x86_64__) || defined(__aarch64__)
#include <dlfcn.h>

typedef struct c_mode_executor_ref {
    void *identity;
    uintptr_t implementation;
} c_mode_executor_ref;

typedef __attribute__((swiftcall)) void (*c_mode_enqueue_original)(void *job);
typedef __attribute__((swiftcall)) void (*c_mode_enqueue_hook)(void *job, c_mode_enqueue_original original);

// Exported by libswift_Concurrency (declared here, not dlsym'ed, so --static-swift-stdlib works).
extern c_mode_enqueue_hook swift_task_enqueueGlobal_hook;
typedef __attribute__((swiftcall)) void (*c_mode_delay_original)(unsigned long long delay, void *job);
typedef __attribute__((swiftcall)) void (*c_mode_delay_hook)(unsigned long long delay, void *job,
                                                             c_mode_delay_original original);
typedef __attribute__((swiftcall)) void (*c_mode_deadline_original)(long long sec, long long nsec, long long tsec,
                                                                    long long tnsec, int clock, void *job);
typedef __attribute__((swiftcall)) void (*c_mode_deadline_hook)(long long sec, long long nsec, long long tsec,
                                                                long long tnsec, int clock, void *job,
                                                                c_mode_deadline_original original);
extern c_mode_delay_hook swift_task_enqueueGlobalWithDelay_hook;
extern c_mode_deadline_hook swift_task_enqueueGlobalWithDeadline_hook;
extern __attribute__((swiftcall)) void swift_job_run(void *job, c_mode_executor_ref executor);

// libdispatch is always loaded with libswift_Concurrency but not necessarily on our link line: resolve the few
// functions we need at install time.
typedef void *c_mode_dispatch_queue;
static void (*c_mode_dispatch_async_f)(c_mode_dispatch_queue, void *, void (*)(void *));
static c_mode_dispatch_queue (*c_mode_dispatch_queue_create)(const char *, void *);
static void *(*c_mode_dispatch_queue_attr_make_with_qos_class)(void *, unsigned int, int);
static void (*c_mode_dispatch_queue_set_width)(c_mode_dispatch_queue, long);
static void (*c_mode_dispatch_release)(void *);
static void (*c_mode_dispatch_after_f)(uint64_t, c_mode_dispatch_queue, void *, void (*)(void *));
static uint64_t (*c_mode_dispatch_time)(uint64_t, int64_t);
static void *c_mode_dispatch_attr_concurrent;

static int c_mode_dispatch_resolve(void) {
    if (c_mode_dispatch_async_f != NULL) return 0;
    void *self = RTLD_DEFAULT;
    *(void **)&c_mode_dispatch_queue_create = dlsym(self, "dispatch_queue_create");
    *(void **)&c_mode_dispatch_queue_attr_make_with_qos_class = dlsym(self, "dispatch_queue_attr_make_with_qos_class");
    *(void **)&c_mode_dispatch_queue_set_width = dlsym(self, "dispatch_queue_set_width");
    *(void **)&c_mode_dispatch_release = dlsym(self, "dispatch_release");
    *(void **)&c_mode_dispatch_after_f = dlsym(self, "dispatch_after_f");
    *(void **)&c_mode_dispatch_time = dlsym(self, "dispatch_time");
    c_mode_dispatch_attr_concurrent = dlsym(self, "_dispatch_queue_attr_concurrent");
    void *async_f = dlsym(self, "dispatch_async_f");
    if (async_f == NULL || c_mode_dispatch_queue_create == NULL || c_mode_dispatch_queue_attr_make_with_qos_class == NULL ||
        c_mode_dispatch_queue_set_width == NULL || c_mode_dispatch_release == NULL || c_mode_dispatch_after_f == NULL ||
        c_mode_dispatch_time == NULL ||
        c_mode_dispatch_attr_concurrent == NULL) {
        return -1;
    }
    __atomic_store_n((void **)&c_mode_dispatch_async_f, async_f, __ATOMIC_RELEASE);
    return 0;
}

static c_mode_enqueue_hook c_mode_previous_global_hook;
static c_mode_delay_hook c_mode_previous_delay_hook;
static c_mode_deadline_hook c_mode_previous_deadline_hook;
static int c_mode_hooks_global_installed;
static c_mode_dispatch_queue c_mode_global_queues[0x22];

static inline size_t c_mode_job_priority(void *job) {
    // SwiftJob: metadata, refCounts, schedulerPrivate[2], flags (ExecutorImpl.h): priority = (flags >> 8) & 0xff.
    uint32_t flags = *(uint32_t *)((char *)job + 4 * sizeof(void *));
    return (flags >> 8) & 0xff;
}

static c_mode_dispatch_queue c_mode_global_queue(size_t priority) {
    if (priority >= sizeof(c_mode_global_queues) / sizeof(c_mode_global_queues[0])) priority = 0x15;
    c_mode_dispatch_queue queue = __atomic_load_n(&c_mode_global_queues[priority], __ATOMIC_ACQUIRE);
    if (queue != NULL) return queue;
    void *attr = c_mode_dispatch_queue_attr_make_with_qos_class(c_mode_dispatch_attr_concurrent,
                                                                (unsigned int)priority, 0);
    c_mode_dispatch_queue created = c_mode_dispatch_queue_create("mode global concurrent queue", attr);
    c_mode_dispatch_queue_set_width(created, -3);  // DISPATCH_QUEUE_WIDTH_MAX_LOGICAL_CPUS, as the runtime does
    c_mode_dispatch_queue expected = NULL;
    if (!__atomic_compare_exchange_n(&c_mode_global_queues[priority], &expected, created, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        c_mode_dispatch_release(created);
        return expected;
    }
    return created;
}

static void c_mode_run_global_job(void *job) {
    c_mode_activity_begin((uintptr_t)job, C_MODE_ACTIVITY_KIND_GLOBAL_POOL);
    swift_job_run(job, (c_mode_executor_ref){NULL, 0});
    c_mode_activity_end();
}

static __attribute__((swiftcall)) void c_mode_enqueue_global_trampoline(void *job) {
    c_mode_task_stats_enqueued((uintptr_t)job, c_mode_activity_now_ns());
    c_mode_dispatch_async_f(c_mode_global_queue(c_mode_job_priority(job)), job, c_mode_run_global_job);
}

static __attribute__((swiftcall)) void c_mode_global_hook(void *job, c_mode_enqueue_original original) {
    (void)original;
    c_mode_enqueue_hook previous = __atomic_load_n(&c_mode_previous_global_hook, __ATOMIC_ACQUIRE);
    // Chain: a previous hook decides where the job goes; if it calls "original", that is our trampoline.
    if (previous != NULL) previous(job, c_mode_enqueue_global_trampoline);
    else c_mode_enqueue_global_trampoline(job);
}

static __attribute__((swiftcall)) void c_mode_delay_trampoline(unsigned long long delay, void *job) {
    uint64_t when = c_mode_dispatch_time(0 /* DISPATCH_TIME_NOW */, (int64_t)delay);
    c_mode_dispatch_after_f(when, c_mode_global_queue(c_mode_job_priority(job)), job, c_mode_run_global_job);
}

static __attribute__((swiftcall)) void c_mode_deadline_trampoline(long long sec, long long nsec, long long tsec,
                                                                  long long tnsec, int clock, void *job) {
    (void)tsec;
    (void)tnsec;  // leeway: dispatch_after_f has none; the runtime's own path also uses it only via a source
    // Same encoding as the runtime's clock_and_value_to_time on Linux (dispatch time = nanoseconds; bit 63 marks
    // the continuous clock).
    uint64_t value = (uint64_t)sec * 1000000000ull + (uint64_t)nsec;
    uint64_t when;
    if (value >= (1ull << 62) - 1) when = ~0ull;  // DISPATCH_TIME_FOREVER
    else if (clock == 1 /* continuous */) when = value | (1ull << 63);
    else when = value;
    c_mode_dispatch_after_f(when, c_mode_global_queue(c_mode_job_priority(job)), job, c_mode_run_global_job);
}

static __attribute__((swiftcall)) void c_mode_delay_hook_fn(unsigned long long delay, void *job,
                                                             c_mode_delay_original original) {
    (void)original;
    c_mode_delay_hook previous = __atomic_load_n(&c_mode_previous_delay_hook, __ATOMIC_ACQUIRE);
    if (previous != NULL) previous(delay, job, c_mode_delay_trampoline);
    else c_mode_delay_trampoline(delay, job);
}

static __attribute__((swiftcall)) void c_mode_deadline_hook_fn(long long sec, long long nsec, long long tsec,
                                                                long long tnsec, int clock, void *job,
                                                                c_mode_deadline_original original) {
    (void)original;
    c_mode_deadline_hook previous = __atomic_load_n(&c_mode_previous_deadline_hook, __ATOMIC_ACQUIRE);
    if (previous != NULL) previous(sec, nsec, tsec, tnsec, clock, job, c_mode_deadline_trampoline);
    else c_mode_deadline_trampoline(sec, nsec, tsec, tnsec, clock, job);
}

#define C_MODE_INSTALL_HOOK(slot, ours, previous_store)                                                         \
    do {                                                                                                        \
        __typeof__(slot) current = __atomic_load_n(&(slot), __ATOMIC_ACQUIRE);                                  \
        while (current != (ours)) {                                                                             \
            __atomic_store_n(&(previous_store), current, __ATOMIC_RELEASE);                                     \
            if (__atomic_compare_exchange_n(&(slot), &current, (ours), 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))  \
                break;                                                                                          \
        }                                                                                                       \
    } while (0)

#define C_MODE_UNINSTALL_HOOK(slot, ours, previous_store)                                                       \
    do {                                                                                                        \
        __typeof__(slot) expected = (ours);                                                                     \
        __typeof__(slot) previous = __atomic_load_n(&(previous_store), __ATOMIC_ACQUIRE);                       \
        __atomic_compare_exchange_n(&(slot), &expected, previous, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);       \
    } while (0)

static int c_mode_install_one(c_mode_enqueue_hook *slot, c_mode_enqueue_hook ours, c_mode_enqueue_hook *previous) {
    c_mode_enqueue_hook current = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    for (;;) {
        if (current == ours) return 0;
        __atomic_store_n(previous, current, __ATOMIC_RELEASE);
        if (__atomic_compare_exchange_n(slot, &current, ours, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return 0;
    }
}

int c_mode_enqueue_hooks_install(void) {
    if (c_mode_dispatch_resolve() != 0) return -2;
    c_mode_install_one(&swift_task_enqueueGlobal_hook, c_mode_global_hook, &c_mode_previous_global_hook);
    C_MODE_INSTALL_HOOK(swift_task_enqueueGlobalWithDelay_hook, c_mode_delay_hook_fn, c_mode_previous_delay_hook);
    C_MODE_INSTALL_HOOK(swift_task_enqueueGlobalWithDeadline_hook, c_mode_deadline_hook_fn,
                        c_mode_previous_deadline_hook);
    __atomic_store_n(&c_mode_hooks_global_installed, 1, __ATOMIC_RELEASE);
    return 0;
}

void c_mode_enqueue_hooks_uninstall(void) {
    C_MODE_UNINSTALL_HOOK(swift_task_enqueueGlobalWithDelay_hook, c_mode_delay_hook_fn, c_mode_previous_delay_hook);
    C_MODE_UNINSTALL_HOOK(swift_task_enqueueGlobalWithDeadline_hook, c_mode_deadline_hook_fn,
                          c_mode_previous_deadline_hook);
    c_mode_enqueue_hook ours = c_mode_global_hook;
    c_mode_enqueue_hook previous = __atomic_load_n(&c_mode_previous_global_hook, __ATOMIC_ACQUIRE);
    if (__atomic_compare_exchange_n(&swift_task_enqueueGlobal_hook, &ours, previous, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&c_mode_hooks_global_installed, 0, __ATOMIC_RELEASE);
    }
}

int c_mode_enqueue_hooks_installed(void) {
    return __atomic_load_n(&c_mode_hooks_global_installed, __ATOMIC_ACQUIRE);
}
#else
int c_mode_enqueue_hooks_install(void) { return -2; }
void c_mode_enqueue_hooks_uninstall(void) {}
int c_mode_enqueue_hooks_installed(void) { return 0; }
#endif  // x86_64 || aarch64

#else  // !__linux__
int c_mode_enqueue_hooks_install(void) { return -2; }
void c_mode_enqueue_hooks_uninstall(void) {}
int c_mode_enqueue_hooks_installed(void) { return 0; }
#endif  // __linux__
