// What the capture handler can learn about the Swift task running on the interrupted thread, for attributing
// a stall to a service: the task, its job flags (child of a task group or an `async let`, or not a child) and
// the value of one task-local (swift-mode's task id), which child tasks and `Task {}` inherit.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The running task as seen from inside it (in the capture signal handler).
typedef struct c_mode_task_clues {
    /// The runtime's current task (`swift_task_getCurrent`), 0 outside a task.
    uintptr_t task;
    /// The task's job flags (`SwiftJob.flags`: kind, priority, then the task bits), 0 without a task.
    uint32_t flags;
    /// 1 when the registered task-local is bound in the task (or inherited), with its value in `scope`.
    int32_t has_scope;
    uint64_t scope;
} c_mode_task_clues;

/// Job-flag bits of a task (swift/ABI/MetadataValues.h, JobFlags; stable ABI).
enum {
    C_MODE_TASK_FLAG_CHILD = 1u << 24,
    C_MODE_TASK_FLAG_GROUP_CHILD = 1u << 26,
    C_MODE_TASK_FLAG_ASYNC_LET = 1u << 28,
};

/// Registers the task-local to read: `key` is the `TaskLocal<UInt64?>` object (its address is the runtime's key).
/// Pass NULL to stop reading it.
void c_mode_task_clues_set_scope_key(const void *key);

/// The task-local registered with c_mode_task_clues_set_scope_key, NULL when none is.
const void *c_mode_task_clues_scope_key(void);

/// Reads the clues of the calling thread's task into `out`. Async-signal-safe: a thread-local read, one load
/// from the running (hence live) task, and a walk of its task-local list, which only the task itself changes.
void c_mode_task_clues_read(c_mode_task_clues *out);

#ifdef __cplusplus
}
#endif
