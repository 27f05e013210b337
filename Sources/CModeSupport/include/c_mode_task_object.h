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

#ifdef __cplusplus
}
#endif
