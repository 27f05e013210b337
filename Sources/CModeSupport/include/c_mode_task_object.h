// Reads a task-local of a Swift task from the task object, by the task's address, without a signal: for a thread
// blocked in the kernel, whose stack is read without interrupting it, the executor's job names the task, and the
// task-local (swift-mode's task id) that child tasks and `Task {}` inherit is read from that task's storage.
//
// The layouts are private to the Swift runtime (Swift 6.3, 64-bit): a Swift layer proves them with a start-up
// self-check before it uses this (see TaskObjectReader.swift and Diagnostics/Design/stall-detection.md).
#pragma once

#include <stdint.h>

#include "c_mode_task_clues.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Offsets in the task object (64-bit: x86_64 and aarch64).
enum {
    /// `Job::Flags` (32 bits): HeapObject (metadata, refCounts), SchedulerPrivate[2].
    C_MODE_TASK_OBJECT_FLAGS_OFFSET = 32,
    /// `AsyncTask::PrivateStorage::Local.head` (`TaskLocal::Storage`): the Job header (64 bytes), ResumeContext,
    /// Reserved64, then PrivateStorage: ExclusivityAccessSet[2] (16), ActiveTaskStatus (16), the task
    /// allocator (2 words + 4 bytes, padded to 24).
    C_MODE_TASK_OBJECT_LOCAL_HEAD_OFFSET = 136,
    /// Items walked at most before the walk gives up.
    C_MODE_TASK_OBJECT_MAX_ITEMS = 64,
};

/// What a read found.
typedef enum c_mode_task_object_status {
    /// The task was read; `has_scope` says whether the key is bound in it (or inherited).
    C_MODE_TASK_OBJECT_OK = 0,
    /// The address is unreadable, or does not hold a task (its metadata or job kind differ).
    C_MODE_TASK_OBJECT_NOT_A_TASK = 1,
    /// The walk met something implausible (misaligned or unreadable item, unknown value type, too many
    /// items), or the task changed under the read (it ended): no value.
    C_MODE_TASK_OBJECT_IMPLAUSIBLE = 2,
} c_mode_task_object_status;

/// Reads the task at `task`: its flags and the value of the task-local `key` (an Optional<UInt64>) into `out`.
///
/// `task_metadata` is the heap metadata every task object starts with and `value_type` the type metadata of
/// Optional<UInt64>, both learned by the self-check; 0 accepts any (the self-check's first read only).
/// Every load goes through process_vm_readv on our own pid (an unmapped address is an error, not a fault); the
/// walk is bounded, never writes, never blocks, and sends no signal. Async-signal-safe.
c_mode_task_object_status c_mode_task_object_read(uintptr_t task, uintptr_t key, uintptr_t task_metadata,
                                                  uintptr_t value_type, c_mode_task_clues *out);

/// The metadata pointer of the object at `task` and, when `key` is bound in it, the value type of its item
/// (for the self-check to learn them from a probe task). Returns 0 when unreadable.
int c_mode_task_object_probe(uintptr_t task, uintptr_t key, uintptr_t *task_metadata, uintptr_t *value_type);

// MARK: - Async stacks of suspended tasks

/// Where a suspended task keeps its resumption, and the bits of its status (swift/ABI/Task.h and
/// stdlib/public/Concurrency/TaskPrivate.h, Swift 6.3, 64-bit, no priority-escalation drain lock: Linux).
/// A parameter, not constants, so that the self-check can prove them and a test can inject a wrong one.
typedef struct c_mode_async_layout {
    /// `Job::ResumeTask`: the continuation the task runs when it resumes (the Job header's last word, 56).
    uint32_t resume_task_offset;
    /// `AsyncTask::ResumeContext`: the innermost async context (64).
    uint32_t resume_context_offset;
    /// `ActiveTaskStatus::Flags` (32 bits) in the private storage: after ExclusivityAccessSet[2] (96).
    uint32_t status_offset;
    /// `ActiveTaskStatus::IsRunning` (0x800) and `IsComplete` (0x2000).
    uint32_t running_bit;
    uint32_t complete_bit;
} c_mode_async_layout;

enum {
    /// Continuations kept at most; a longer chain is cut (and says so).
    C_MODE_ASYNC_STACK_MAX = 64,
};

/// The resumption chain of a suspended task: `frames[0]` is the task's ResumeTask, then each async context's
/// ResumeParent from ResumeContext outwards (continuation addresses, innermost first; repeats collapsed).
typedef struct c_mode_async_stack {
    uintptr_t resume_task;
    uintptr_t resume_context;
    uint32_t status_flags;
    /// 1 when the chain ended at its outermost context (a null Parent), 0 when it was cut.
    int32_t complete;
    int32_t count;
    uintptr_t frames[C_MODE_ASYNC_STACK_MAX];
} c_mode_async_stack;

/// What an async-stack read found.
typedef enum c_mode_async_stack_status {
    /// The task is suspended (or enqueued, waiting for a thread) and its chain was read.
    C_MODE_ASYNC_STACK_OK = 0,
    /// The address is unreadable, or does not hold a task.
    C_MODE_ASYNC_STACK_NOT_A_TASK = 1,
    /// The task runs on a thread now: its contexts change under the read (capture its thread instead).
    C_MODE_ASYNC_STACK_RUNNING = 2,
    /// The task has completed.
    C_MODE_ASYNC_STACK_COMPLETE = 3,
    /// The task's status or resumption changed during the read (it resumed, ran, ended): no chain.
    C_MODE_ASYNC_STACK_CHANGED = 4,
    /// The resumption read was implausible (no context, or a first continuation outside every module).
    C_MODE_ASYNC_STACK_IMPLAUSIBLE = 5,
} c_mode_async_stack_status;

/// Reads the resumption chain of the suspended task at `task` into `out`, with checked reads only
/// (process_vm_readv on our own pid): the header and status, then the context chain (bounded), then the header
/// and status again, which must be unchanged. `task_metadata` (learned by the self-check; 0 accepts any) must
/// be the object's metadata. Never writes to the task, never blocks, sends no signal. Async-signal-safe.
c_mode_async_stack_status c_mode_task_async_stack_read(uintptr_t task, uintptr_t task_metadata,
                                                       const c_mode_async_layout *layout, c_mode_async_stack *out);

#ifdef __cplusplus
}
#endif
